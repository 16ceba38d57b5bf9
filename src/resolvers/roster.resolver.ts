import { Arg, Ctx as GqlCtx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import type { Ctx } from '../context';
import { AcademicYear } from '../entities/academic-year.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { Staff } from '../entities/staff.entity';
import { Guardian, Sex, Student, StudentGuardian } from '../entities/student.entity';
import {
  ClassCreateInput, ClassCreatePayload, ClassCredentialsIssueInput, ClassCredentialsIssuePayload, ClassUpdateInput,
  ClassUpdatePayload, CredentialsIssueInput, CredentialsIssuePayload, CredentialsSheetRow, GuardianCreateInput,
  GuardianCreatePayload, GuardianLinkInput, GuardianLinkPayload, GuardianUnlinkInput, GuardianUnlinkPayload,
  GuardianUpdateInput, GuardianUpdatePayload, StudentCreateInput, StudentCreatePayload, StudentUpdateInput, StudentUpdatePayload,
} from '../schema/roster.types';

const inputArg = { description: 'The input of the action.' } as const;

@Resolver(() => SchoolClass)
export class SchoolClassResolver {
  @Query(() => [SchoolClass], { description: 'Classes of an academic year, by grade and letter (R-YEAR-4). Any member of the school.' })
  async classes(@Arg('academicYearId', () => ID, { description: 'Global ID of the academic year.' }) academicYearId: string, @GqlCtx() ctx: Ctx): Promise<SchoolClass[]> {
    return ctx.services.roster.classes(ctx, academicYearId);
  }

  @Query(() => SchoolClass, { description: 'A class of one of the viewer\'s schools (else NOT_FOUND).' })
  async schoolClass(@Arg('id', () => ID, { description: 'Global ID of the class.' }) id: string, @GqlCtx() ctx: Ctx): Promise<SchoolClass> {
    return ctx.services.roster.schoolClass(ctx, id);
  }

  @FieldResolver(() => AcademicYear, { description: 'The academic year.' })
  async academicYear(@Root() c: SchoolClass, @GqlCtx() ctx: Ctx): Promise<AcademicYear> {
    return ctx.services.year.academicYearOf(ctx, c.academicYear.id);
  }

  @FieldResolver(() => Staff, { nullable: true, description: 'The class teacher (R-ROLE-5); null when none is assigned.' })
  async classTeacher(@Root() c: SchoolClass, @GqlCtx() ctx: Ctx): Promise<Staff | null> {
    return ctx.services.roster.classTeacher(ctx, c);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Full name of the class teacher; null when none is assigned. Staff personal data: refused (FORBIDDEN) to the analyst like every staff name (R-ROLE-8).' })
  async classTeacherName(@Root() c: SchoolClass, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.roster.classTeacherName(ctx, c);
  }

  @FieldResolver(() => [Student], { description: 'Students in the class on `onDate`, by family name then pseudonym — only those the viewer takes part in educating (R-SEC-3): a parent sees their own children, a student themself.' })
  async students(
    @Root() c: SchoolClass,
    @Arg('onDate', () => LocalDateResolver, { nullable: true, description: 'The date; omitted = today.' }) onDate: string | null | undefined,
    @GqlCtx() ctx: Ctx,
  ): Promise<Student[]> {
    return ctx.services.roster.classStudents(ctx, c, onDate);
  }

  @FieldResolver(() => Int, { description: 'Size of the class today in the school\'s time zone: the number of its students, the same for every viewer who may see the class (a count, no personal data; `students` lists only those the viewer takes part in educating).' })
  async studentCount(@Root() c: SchoolClass, @GqlCtx() ctx: Ctx): Promise<number> {
    return ctx.loaders.classSizeToday.load(c.id);
  }

  @Mutation(() => ClassCreatePayload, { description: 'Creates a class (R-YEAR-4). ADMIN or DEPUTY of the school.' })
  async classCreate(@Arg('input', () => ClassCreateInput, inputArg) input: ClassCreateInput, @GqlCtx() ctx: Ctx): Promise<ClassCreatePayload> {
    return Object.assign(new ClassCreatePayload(), await ctx.services.roster.classCreate(ctx, input));
  }

  @Mutation(() => ClassUpdatePayload, { description: 'Changes a class: grade, letter, profile, class teacher (R-YEAR-4). ADMIN or DEPUTY of the school.' })
  async classUpdate(@Arg('input', () => ClassUpdateInput, inputArg) input: ClassUpdateInput, @GqlCtx() ctx: Ctx): Promise<ClassUpdatePayload> {
    return Object.assign(new ClassUpdatePayload(), await ctx.services.roster.classUpdate(ctx, input));
  }

  @Query(() => [CredentialsSheetRow], { description: 'The printable credentials sheet of a class: its current students and their guardians with login and whether an account exists — never passwords (R-SEC-1). The class teacher or an ADMIN.' })
  async classCredentialsSheet(@Arg('classId', () => ID, { description: 'Global ID of the class.' }) classId: string, @GqlCtx() ctx: Ctx): Promise<CredentialsSheetRow[]> {
    return ctx.services.roster.classCredentialsSheet(ctx, classId);
  }

  @Mutation(() => ClassCredentialsIssuePayload, { description: 'Issues accounts to every current student of the class with consent and to their guardians who have none; returns the one-time passwords once, for printing (R-SEC-1, R-ROLE-5). The class teacher or an ADMIN.' })
  async classCredentialsIssue(@Arg('input', () => ClassCredentialsIssueInput, inputArg) input: ClassCredentialsIssueInput, @GqlCtx() ctx: Ctx): Promise<ClassCredentialsIssuePayload> {
    return Object.assign(new ClassCredentialsIssuePayload(), await ctx.services.roster.classCredentialsIssue(ctx, input));
  }
}

@Resolver(() => Student)
export class StudentResolver {
  @Query(() => Student, { description: 'A student the viewer takes part in educating (R-SEC-3); any other is NOT_FOUND.' })
  async student(@Arg('id', () => ID, { description: 'Global ID of the student.' }) id: string, @GqlCtx() ctx: Ctx): Promise<Student> {
    return ctx.services.roster.student(ctx, id);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Full name, family name first (personal data: null without consent, after erasure or without access).' })
  async fullName(@Root() s: Student, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.roster.studentFullName(ctx, s);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Family name (personal data).' })
  async lastName(@Root() s: Student, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.roster.studentPd(ctx, s, 'lastName');
  }

  @FieldResolver(() => String, { nullable: true, description: 'Given name (personal data).' })
  async firstName(@Root() s: Student, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.roster.studentPd(ctx, s, 'firstName');
  }

  @FieldResolver(() => String, { nullable: true, description: 'Patronymic (personal data).' })
  async middleName(@Root() s: Student, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.roster.studentPd(ctx, s, 'middleName');
  }

  // The entity declares these columns as fields; these resolvers guard them (R-SEC-3, R-SEC-4).
  @FieldResolver(() => LocalDateResolver, { nullable: true, description: 'Birth date (personal data).' })
  async birthDate(@Root() s: Student, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.roster.studentPd(ctx, s, 'birthDate');
  }

  @FieldResolver(() => Sex, { nullable: true, description: 'Sex (personal data).' })
  async sex(@Root() s: Student, @GqlCtx() ctx: Ctx): Promise<Sex | null> {
    return ctx.services.roster.studentPd(ctx, s, 'sex');
  }

  @FieldResolver(() => String, { nullable: true, description: 'Number in the alphabetical book of students (personal data).' })
  async enrolmentNumber(@Root() s: Student, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.roster.studentPd(ctx, s, 'enrolmentNumber');
  }

  @FieldResolver(() => String, { nullable: true, description: 'Phone (personal data).' })
  async phone(@Root() s: Student, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.roster.studentPd(ctx, s, 'phone');
  }

  @FieldResolver(() => String, { nullable: true, description: 'E-mail (personal data).' })
  async email(@Root() s: Student, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.roster.studentPd(ctx, s, 'email');
  }

  @FieldResolver(() => [StudentGuardian], { description: 'Current guardians of the student (for viewers taking part in the student\'s education).' })
  async guardians(@Root() s: Student, @GqlCtx() ctx: Ctx): Promise<StudentGuardian[]> {
    return ctx.services.roster.studentGuardians(ctx, s);
  }

  @FieldResolver(() => SchoolClass, { nullable: true, description: 'The class the student is in today; null when none.' })
  async currentClass(@Root() s: Student, @GqlCtx() ctx: Ctx): Promise<SchoolClass | null> {
    return ctx.services.roster.currentClass(ctx, s);
  }

  @Mutation(() => StudentCreatePayload, { description: 'Creates a student record with the next pseudonym of the school, e.g. "У-0042" (R-YEAR-4). Personal data need registered consent (R-SEC-4). ADMIN or DEPUTY of the school.' })
  async studentCreate(@Arg('input', () => StudentCreateInput, inputArg) input: StudentCreateInput, @GqlCtx() ctx: Ctx): Promise<StudentCreatePayload> {
    return Object.assign(new StudentCreatePayload(), await ctx.services.roster.studentCreate(ctx, input));
  }

  @Mutation(() => StudentUpdatePayload, { description: 'Changes a student\'s personal data, only with consent GIVEN (R-SEC-4). ADMIN or DEPUTY of the school, or the class teacher of the student\'s current class (R-ROLE-5).' })
  async studentUpdate(@Arg('input', () => StudentUpdateInput, inputArg) input: StudentUpdateInput, @GqlCtx() ctx: Ctx): Promise<StudentUpdatePayload> {
    return Object.assign(new StudentUpdatePayload(), await ctx.services.roster.studentUpdate(ctx, input));
  }

  @Mutation(() => CredentialsIssuePayload, { description: 'Creates an account for a student (consent GIVEN) or a guardian, with a login and a one-time password shown only in this response (R-SEC-1). The class teacher of the student (of one of the guardian\'s children) or an ADMIN.' })
  async credentialsIssue(@Arg('input', () => CredentialsIssueInput, inputArg) input: CredentialsIssueInput, @GqlCtx() ctx: Ctx): Promise<CredentialsIssuePayload> {
    return Object.assign(new CredentialsIssuePayload(), await ctx.services.roster.credentialsIssue(ctx, input));
  }
}

@Resolver(() => StudentGuardian)
export class StudentGuardianResolver {
  @FieldResolver(() => Guardian, { nullable: true, description: 'The guardian.' })
  async guardian(@Root() link: StudentGuardian, @GqlCtx() ctx: Ctx): Promise<Guardian | null> {
    return ctx.services.roster.linkGuardian(ctx, link);
  }

  @FieldResolver(() => Student, { nullable: true, description: 'The student.' })
  async student(@Root() link: StudentGuardian, @GqlCtx() ctx: Ctx): Promise<Student | null> {
    return ctx.services.roster.linkStudent(ctx, link);
  }

  @Mutation(() => GuardianLinkPayload, { description: 'Links an existing guardian of the school to a student. ADMIN or DEPUTY, or the class teacher of the student (R-ROLE-5).' })
  async guardianLink(@Arg('input', () => GuardianLinkInput, inputArg) input: GuardianLinkInput, @GqlCtx() ctx: Ctx): Promise<GuardianLinkPayload> {
    return Object.assign(new GuardianLinkPayload(), await ctx.services.roster.guardianLink(ctx, input));
  }

  @Mutation(() => GuardianUnlinkPayload, { description: 'Ends a guardian link (kept with `removedAt`); the guardian loses access to the student. ADMIN or DEPUTY, or the class teacher of the student (R-ROLE-5).' })
  async guardianUnlink(@Arg('input', () => GuardianUnlinkInput, inputArg) input: GuardianUnlinkInput, @GqlCtx() ctx: Ctx): Promise<GuardianUnlinkPayload> {
    return Object.assign(new GuardianUnlinkPayload(), await ctx.services.roster.guardianUnlink(ctx, input));
  }
}

@Resolver(() => Guardian)
export class GuardianResolver {
  @FieldResolver(() => String, { nullable: true, description: 'Full name, family name first (personal data: null after erasure or without access).' })
  async fullName(@Root() g: Guardian, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.roster.guardianFullName(ctx, g);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Family name (personal data).' })
  async lastName(@Root() g: Guardian, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.roster.guardianPd(ctx, g, 'lastName');
  }

  @FieldResolver(() => String, { nullable: true, description: 'Given name (personal data).' })
  async firstName(@Root() g: Guardian, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.roster.guardianPd(ctx, g, 'firstName');
  }

  @FieldResolver(() => String, { nullable: true, description: 'Patronymic (personal data).' })
  async middleName(@Root() g: Guardian, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.roster.guardianPd(ctx, g, 'middleName');
  }

  @FieldResolver(() => String, { nullable: true, description: 'Phone (personal data).' })
  async phone(@Root() g: Guardian, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.roster.guardianPd(ctx, g, 'phone');
  }

  @FieldResolver(() => String, { nullable: true, description: 'E-mail (personal data).' })
  async email(@Root() g: Guardian, @GqlCtx() ctx: Ctx): Promise<string | null> {
    return ctx.services.roster.guardianPd(ctx, g, 'email');
  }

  @Mutation(() => GuardianCreatePayload, { description: 'Creates a guardian and links them to a student. ADMIN or DEPUTY, or the class teacher of the student (R-ROLE-5).' })
  async guardianCreate(@Arg('input', () => GuardianCreateInput, inputArg) input: GuardianCreateInput, @GqlCtx() ctx: Ctx): Promise<GuardianCreatePayload> {
    return Object.assign(new GuardianCreatePayload(), await ctx.services.roster.guardianCreate(ctx, input));
  }

  @Mutation(() => GuardianUpdatePayload, { description: 'Changes a guardian\'s data. ADMIN or DEPUTY, or the class teacher of one of their children (R-ROLE-5).' })
  async guardianUpdate(@Arg('input', () => GuardianUpdateInput, inputArg) input: GuardianUpdateInput, @GqlCtx() ctx: Ctx): Promise<GuardianUpdatePayload> {
    return Object.assign(new GuardianUpdatePayload(), await ctx.services.roster.guardianUpdate(ctx, input));
  }
}

/** Classes and people resolvers (R-YEAR-4, R-ROLE-5, R-SEC-1, R-SEC-3). */
export const rosterResolvers: Function[] = [SchoolClassResolver, StudentResolver, StudentGuardianResolver, GuardianResolver];
