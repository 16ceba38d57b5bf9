import { Arg, FieldResolver, Resolver, Root } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Student } from '../entities/student.entity';
import { diaryExtractPath } from '../services/extract.service';

/** R-DIARY-4: where a client gets the printable weekly extract of a student's diary. */
@Resolver(() => Student)
export class StudentExtractResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description: 'R-DIARY-4: the printable weekly extract of the student\'s diary, as a URL relative to the API\'s origin (`/extracts/diary?student=…&week=<Monday>`): GET it with the same `Authorization: Bearer` header as /graphql to receive a PDF (marks with work types and comments, attendance, homework, lessons with topics and teachers, Monday to Sunday). For those who may read the student\'s diary (R-SEC-3); else null with NOT_FOUND.',
  })
  diaryExtractUrl(
    @Root() s: Student,
    @Arg('week', () => LocalDateResolver, { description: 'Any day of the week (Monday–Sunday) the extract is for.' }) week: string,
  ): string {
    return diaryExtractPath(s.id, week);
  }
}

export const extractResolvers = [StudentExtractResolver];
