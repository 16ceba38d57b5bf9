import { Arg, Ctx as GqlCtx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Ctx } from '../context';
import { AcademicYear, StudyPeriod } from '../entities/academic-year.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { StudyGroup } from '../entities/study-group.entity';
import { Student } from '../entities/student.entity';
import { Subject } from '../entities/subject.entity';
import { Staff } from '../entities/staff.entity';
import { FinalMark, JournalReopening } from '../entities/final-mark.entity';
import { required } from '../schema/errors';
import {
  FinalMarkCellInput, FinalMarkPostponeInput, FinalMarkPostponePayload, FinalMarkSetInput, FinalMarkSetPayload, JournalChange,
  JournalCloseInput, JournalReopenInput, JournalReopeningPayload, SummarySheet,
} from '../schema/final-mark.types';

const inputArg = { description: 'The input of the action.' } as const;

const maybe = <T>(ref: { id: string } | null | undefined, load: (id: string) => Promise<T | null>): Promise<T | null> =>
  ref ? load(ref.id) : Promise.resolve(null);

@Resolver(() => FinalMark)
export class FinalMarkResolver {
  @FieldResolver(() => Student, { description: 'The student (personal data as the viewer may see them, R-SEC-3).' })
  student(@Root() f: FinalMark, @GqlCtx() ctx: Ctx): Promise<Student> {
    return required(ctx.loaders.studentById.load(f.student.id), 'Student');
  }

  @FieldResolver(() => Subject, { description: 'The subject.' })
  subject(@Root() f: FinalMark, @GqlCtx() ctx: Ctx): Promise<Subject> {
    return required(ctx.loaders.subjectById.load(f.subject.id), 'Subject');
  }

  @FieldResolver(() => StudyPeriod, { nullable: true, description: 'The study period; null for the year\'s final mark.' })
  studyPeriod(@Root() f: FinalMark, @GqlCtx() ctx: Ctx): Promise<StudyPeriod | null> {
    return maybe(f.studyPeriod, (id) => ctx.loaders.studyPeriodById.load(id));
  }

  @FieldResolver(() => AcademicYear, { description: 'The academic year.' })
  academicYear(@Root() f: FinalMark, @GqlCtx() ctx: Ctx): Promise<AcademicYear> {
    return required(ctx.loaders.academicYearById.load(f.academicYear.id), 'Academic year');
  }

  @FieldResolver(() => Staff, { description: 'The teacher who set it (or last changed it).' })
  setBy(@Root() f: FinalMark, @GqlCtx() ctx: Ctx): Promise<Staff> {
    return required(ctx.loaders.staffById.load(f.setBy.id), 'Staff member');
  }
}

@Resolver(() => JournalReopening)
export class JournalReopeningResolver {
  @FieldResolver(() => StudyPeriod, { description: 'The study period.' })
  studyPeriod(@Root() r: JournalReopening, @GqlCtx() ctx: Ctx): Promise<StudyPeriod> {
    return required(ctx.loaders.studyPeriodById.load(r.studyPeriod.id), 'Study period');
  }

  @FieldResolver(() => Subject, { description: 'The subject.' })
  subject(@Root() r: JournalReopening, @GqlCtx() ctx: Ctx): Promise<Subject> {
    return required(ctx.loaders.subjectById.load(r.subject.id), 'Subject');
  }

  @FieldResolver(() => SchoolClass, { name: 'schoolClass', nullable: true, description: 'The class; null for a group\'s journal.' })
  schoolClass(@Root() r: JournalReopening, @GqlCtx() ctx: Ctx): Promise<SchoolClass | null> {
    return maybe(r.schoolClass, (id) => ctx.loaders.schoolClassById.load(id));
  }

  @FieldResolver(() => StudyGroup, { nullable: true, description: 'The study group; null for a class\'s journal.' })
  group(@Root() r: JournalReopening, @GqlCtx() ctx: Ctx): Promise<StudyGroup | null> {
    return maybe(r.group, (id) => ctx.loaders.studyGroupById.load(id));
  }

  @FieldResolver(() => Student, { nullable: true, description: 'The one student it reopened; null for the whole journal (or a student the viewer may not see).' })
  async student(@Root() r: JournalReopening, @GqlCtx() ctx: Ctx): Promise<Student | null> {
    if (!r.student || !(await ctx.services.roster.canSeeStudent(ctx, r.student.id, r.school.id))) return null;
    return ctx.loaders.studentById.load(r.student.id);
  }

  @FieldResolver(() => Staff, { description: 'The deputy director or director who reopened it.' })
  reopenedBy(@Root() r: JournalReopening, @GqlCtx() ctx: Ctx): Promise<Staff> {
    return required(ctx.loaders.staffById.load(r.reopenedBy.id), 'Staff member');
  }

  @FieldResolver(() => Staff, { nullable: true, description: 'Who closed it again; null while it is open.' })
  closedBy(@Root() r: JournalReopening, @GqlCtx() ctx: Ctx): Promise<Staff | null> {
    return maybe(r.closedBy, (id) => ctx.loaders.staffById.load(id));
  }
}

/** Final marks, the close of the journal and its reopening, the summary sheet, the history of a cell (R-JOUR-8..11). */
@Resolver()
export class FinalMarkQueryResolver {
  @Query(() => SummarySheet, { description: 'The summary sheet of a class (R-JOUR-11): its students of the year × subjects × periods and the year, from the final marks as they are set. For the class teacher and the ADMIN, DIRECTOR and DEPUTY. NOT_FOUND outside the viewer\'s schools; FORBIDDEN for other members.' })
  classSummarySheet(@Arg('classId', () => ID, { description: 'Global ID of the class.' }) classId: string, @GqlCtx() ctx: Ctx): Promise<SummarySheet> {
    return ctx.services.finalMarks.summarySheet(ctx, classId);
  }

  @Query(() => [FinalMark], { description: 'A student\'s final marks of a year (the diary), by subject and period. For the student, their guardians and staff taking part in their education (R-SEC-3); else NOT_FOUND.' })
  studentFinalMarks(
    @Arg('studentId', () => ID, { description: 'Global ID of the student.' }) studentId: string,
    @Arg('academicYearId', () => ID, { description: 'Global ID of the academic year.' }) academicYearId: string,
    @GqlCtx() ctx: Ctx,
  ): Promise<FinalMark[]> {
    return ctx.services.finalMarks.studentFinalMarks(ctx, studentId, academicYearId);
  }

  @Query(() => [JournalReopening], { description: 'Reopenings of a period\'s journals (R-JOUR-9), newest first: for the school\'s staff.' })
  journalReopenings(
    @Arg('periodId', () => ID, { description: 'Global ID of the study period.' }) periodId: string,
    @Arg('openOnly', () => Boolean, { defaultValue: true, description: 'Only those not closed again.' }) openOnly: boolean,
    @GqlCtx() ctx: Ctx,
  ): Promise<JournalReopening[]> {
    return ctx.services.finalMarks.reopenings(ctx, periodId, openOnly);
  }

  @Query(() => [JournalChange], { description: 'R-JOUR-10: the history of a journal cell, oldest first: with `studentId`, the student\'s marks and attendance in the lesson; without, the lesson\'s topic, notes, work types and homework. Who, when, old and new values, and the reopening it happened under. For those who may read the cell (a parent their child\'s, the teachers, the administration); else NOT_FOUND.' })
  journalCellHistory(
    @Arg('lessonId', () => ID, { description: 'Global ID of the lesson.' }) lessonId: string,
    @Arg('studentId', () => ID, { nullable: true, description: 'Global ID of a student of the lesson; omitted: the lesson\'s own cells.' }) studentId: string | null,
    @GqlCtx() ctx: Ctx,
  ): Promise<JournalChange[]> {
    return ctx.services.finalMarks.cellHistory(ctx, lessonId, studentId);
  }

  @Query(() => [JournalChange], { description: 'R-JOUR-10: the history of a final-mark cell, oldest first. For those who may see the student; else NOT_FOUND.' })
  finalMarkHistory(@Arg('cell', () => FinalMarkCellInput, { description: 'Which cell.' }) cell: FinalMarkCellInput, @GqlCtx() ctx: Ctx): Promise<JournalChange[]> {
    return ctx.services.finalMarks.finalMarkHistory(ctx, cell);
  }

  @Mutation(() => FinalMarkSetPayload, { description: 'Sets or corrects a final mark (R-JOUR-8): a value of the scale, «осв» (EXEMPT or MASTERED) or «н/а». The teacher of the subject in the student\'s class or group; from the period\'s last week to its end (a postponed mark: to its new date); later only under a reopening (R-JOUR-9). After the deadline: allowed and flagged. Warnings (not refusals) for too few current marks; the weighted average beside it. Feeds the summary sheet at once; delivered live to the diary.' })
  async finalMarkSet(@Arg('input', () => FinalMarkSetInput, inputArg) input: FinalMarkSetInput, @GqlCtx() ctx: Ctx): Promise<FinalMarkSetPayload> {
    return Object.assign(new FinalMarkSetPayload(), await ctx.services.finalMarks.finalMarkSet(ctx, input));
  }

  @Mutation(() => FinalMarkPostponePayload, { description: 'Postpones a final mark for a sick student (R-JOUR-8) to a new date, with the reason. The teacher of the subject; not once a value is set. The student\'s journal stays open until the new date for the final mark.' })
  async finalMarkPostpone(@Arg('input', () => FinalMarkPostponeInput, inputArg) input: FinalMarkPostponeInput, @GqlCtx() ctx: Ctx): Promise<FinalMarkPostponePayload> {
    return Object.assign(new FinalMarkPostponePayload(), await ctx.services.finalMarks.finalMarkPostpone(ctx, input));
  }

  @Mutation(() => JournalReopeningPayload, { description: 'Reopens a closed journal (R-JOUR-9): of a subject in a class or group for a period, all of it or one student\'s, with a reason. DEPUTY or DIRECTOR of the school. Audited; the teacher may correct it until `journalClose`.' })
  async journalReopen(@Arg('input', () => JournalReopenInput, inputArg) input: JournalReopenInput, @GqlCtx() ctx: Ctx): Promise<JournalReopeningPayload> {
    return Object.assign(new JournalReopeningPayload(), await ctx.services.finalMarks.journalReopen(ctx, input));
  }

  @Mutation(() => JournalReopeningPayload, { description: 'Closes a reopened journal again (R-JOUR-9). DEPUTY or DIRECTOR of the school. Audited.' })
  async journalClose(@Arg('input', () => JournalCloseInput, inputArg) input: JournalCloseInput, @GqlCtx() ctx: Ctx): Promise<JournalReopeningPayload> {
    return Object.assign(new JournalReopeningPayload(), await ctx.services.finalMarks.journalClose(ctx, input));
  }
}

export const finalMarkResolvers = [FinalMarkResolver, JournalReopeningResolver, FinalMarkQueryResolver];
