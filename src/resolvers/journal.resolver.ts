import { Arg, Ctx as GqlCtx, FieldResolver, Float, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { selectedFields } from '../schema/selection';
import { LocalDateResolver } from 'graphql-scalars';
import type { Ctx } from '../context';
import { Lesson } from '../entities/lesson.entity';
import { Student } from '../entities/student.entity';
import { Staff } from '../entities/staff.entity';
import { Subject } from '../entities/subject.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { AcademicYear } from '../entities/academic-year.entity';
import { GradingSystem } from '../entities/grading-system.entity';
import { StudyGroup } from '../entities/study-group.entity';
import { PlannedTopic } from '../entities/curriculum.entity';
import { ControlWork } from '../entities/control-work.entity';
import { Attendance, GradingAssignment, Homework, Mark, WorkType } from '../entities/journal.entity';
import { required } from '../schema/errors';
import {
  AttendanceSetInput, AttendanceSetPayload, ClassJournal, ClassJournalInput, GradingSystemAssignInput, GradingSystemAssignPayload,
  HomeworkRemoveInput, HomeworkRemovePayload, HomeworkSetInput, HomeworkSetPayload, LessonContentSetInput, LessonContentSetPayload,
  MarkCorrectInput, MarkCorrectPayload, MarkDeleteInput, MarkDeletePayload, MarksPostInput, MarksPostPayload, SubjectMarks,
  WorkTypeCreateInput, WorkTypePayload, WorkTypeUpdateInput,
} from '../schema/journal.types';

const inputArg = { description: 'The input of the action.' } as const;
const studentArg = { nullable: true, description: 'Only this student\'s (a diary asks for its student\'s: a few per lesson, where a whole class\'s cost the cost limit 40 times more).' } as const;

/** The row a relation was read with (a page reads marks with their work type and lesson): no loader, no promise; else `load()`. */
function loadedOr<T extends object>(ref: { isInitialized?(): boolean; unwrap?(): T }, load: () => Promise<T>): T | Promise<T> {
  return ref.isInitialized?.() ? ref.unwrap!() : load();
}

/** The journal of a lesson (R-JOUR-1..5): fields of `Lesson`. */
@Resolver(() => Lesson)
export class LessonJournalResolver {
  @FieldResolver(() => PlannedTopic, { nullable: true, description: 'The topic of the thematic plan the lesson covered (R-JOUR-1, R-YEAR-8); null when none was chosen. Its fields follow the thematic plan\'s rule (the administration and the teachers of the plan); students and parents read `topic`.' })
  plannedTopic(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<PlannedTopic | null> {
    return ctx.services.journal.plannedTopic(ctx, l);
  }

  @FieldResolver(() => [WorkType], { description: 'The work types done in the lesson (R-JOUR-1), by name.' })
  workTypes(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<WorkType[]> {
    return ctx.services.journal.lessonWorkTypes(ctx, l);
  }

  @FieldResolver(() => String, { nullable: true, description: 'The teacher\'s notes on the lesson (R-JOUR-1): for the school\'s staff; null for others and when there are none.' })
  notes(@Root() l: Lesson, @GqlCtx() ctx: Ctx): string | null {
    return ctx.services.journal.lessonNotes(ctx, l);
  }

  @FieldResolver(() => Homework, { nullable: true, description: 'The homework given in the lesson (R-JOUR-5); null when none was.' })
  homework(@Root() l: Lesson, @GqlCtx() ctx: Ctx): Promise<Homework | null> {
    return ctx.services.journal.lessonHomework(ctx, l);
  }

  @FieldResolver(() => [Mark], { description: 'The lesson\'s marks (R-JOUR-3) of the students the viewer may see (R-SEC-3): a parent their children\'s, a student their own, the teacher and the administration all; by posting time.' })
  marks(@Root() l: Lesson, @Arg('studentId', () => ID, studentArg) studentId: string | null | undefined, @GqlCtx() ctx: Ctx): Promise<Mark[]> {
    return ctx.services.journal.lessonMarks(ctx, l, studentId);
  }

  @FieldResolver(() => [Attendance], { description: 'Absences and latenesses in the lesson (R-JOUR-2) of the students the viewer may see; students present have none. See `attendanceTakenAt` for whether attendance was taken at all.' })
  attendance(@Root() l: Lesson, @Arg('studentId', () => ID, studentArg) studentId: string | null | undefined, @GqlCtx() ctx: Ctx): Promise<Attendance[]> {
    return ctx.services.journal.lessonAttendance(ctx, l, studentId);
  }
}

/** R-JOUR-1, R-YEAR-8: whether a topic of the thematic plan was covered. */
@Resolver(() => PlannedTopic)
export class PlannedTopicCoverageResolver {
  @FieldResolver(() => [LocalDateResolver], { description: 'The dates of the lessons (not cancelled) that covered the topic (`lessonContentSet` with it), in order; empty while it is not covered.' })
  coveredOn(@Root() t: PlannedTopic, @GqlCtx() ctx: Ctx): Promise<string[]> {
    return ctx.loaders.coverageByTopic.load(t.id);
  }
}

@Resolver(() => Mark)
export class MarkResolver {
  @FieldResolver(() => Student, { description: 'The student (personal data as the viewer may see them, R-SEC-3).' })
  student(@Root() m: Mark, @GqlCtx() ctx: Ctx): Promise<Student> {
    return required(ctx.loaders.studentById.load(m.student.id), 'Student');
  }

  @FieldResolver(() => Lesson, { description: 'The lesson it was given in (for a credit, R-JOUR-7: the lesson of the topic credited).' })
  lesson(@Root() m: Mark, @GqlCtx() ctx: Ctx): Lesson | Promise<Lesson> {
    return loadedOr(m.lesson, () => ctx.services.journal.lessonOf(ctx, m.lesson.id));
  }

  @FieldResolver(() => WorkType, { description: 'The work type it was given for.' })
  workType(@Root() m: Mark, @GqlCtx() ctx: Ctx): WorkType | Promise<WorkType> {
    return loadedOr(m.workType, () => ctx.services.journal.workType(ctx, m.workType.id));
  }

  @FieldResolver(() => Float, { nullable: true, description: 'The numeric value used in averages; null for a non-numeric value (e.g. "зач").' })
  async numericValue(@Root() m: Mark, @GqlCtx() ctx: Ctx): Promise<number | null> {
    return (await ctx.services.journal.gradingValue(ctx, m.gradingValue.id))?.numericValue ?? null;
  }

  @FieldResolver(() => ControlWork, { nullable: true, description: 'The control work of the lesson it is for (a CONTROL work type); null otherwise.' })
  controlWork(@Root() m: Mark, @GqlCtx() ctx: Ctx): Promise<ControlWork | null> {
    return m.controlWork ? ctx.loaders.controlWorkById.load(m.controlWork.id) : Promise.resolve(null);
  }

  @FieldResolver(() => Staff, { description: 'The teacher who posted it (or last corrected it).' })
  postedBy(@Root() m: Mark, @GqlCtx() ctx: Ctx): Promise<Staff> {
    return required(ctx.loaders.staffById.load(m.postedBy.id), 'Staff member');
  }
}

@Resolver(() => Attendance)
export class AttendanceResolver {
  @FieldResolver(() => Student, { description: 'The student (personal data as the viewer may see them, R-SEC-3).' })
  student(@Root() a: Attendance, @GqlCtx() ctx: Ctx): Promise<Student> {
    return required(ctx.loaders.studentById.load(a.student.id), 'Student');
  }

  @FieldResolver(() => Lesson, { description: 'The lesson.' })
  lesson(@Root() a: Attendance, @GqlCtx() ctx: Ctx): Lesson | Promise<Lesson> {
    return loadedOr(a.lesson, () => ctx.services.journal.lessonOf(ctx, a.lesson.id));
  }
}

@Resolver(() => Homework)
export class HomeworkResolver {
  @FieldResolver(() => Lesson, { description: 'The lesson it was given in.' })
  lesson(@Root() h: Homework, @GqlCtx() ctx: Ctx): Promise<Lesson> {
    return ctx.services.journal.lessonOf(ctx, h.lesson.id);
  }
}

@Resolver(() => GradingAssignment)
export class GradingAssignmentResolver {
  @FieldResolver(() => AcademicYear, { description: 'The academic year.' })
  academicYear(@Root() a: GradingAssignment, @GqlCtx() ctx: Ctx): Promise<AcademicYear> {
    return required(ctx.loaders.academicYearById.load(a.academicYear.id), 'Academic year');
  }

  @FieldResolver(() => GradingSystem, { description: 'The grading system.' })
  gradingSystem(@Root() a: GradingAssignment, @GqlCtx() ctx: Ctx): Promise<GradingSystem> {
    return required(ctx.loaders.gradingSystemById.load(a.gradingSystem.id), 'Grading system');
  }

  @FieldResolver(() => Subject, { nullable: true, description: 'The subject; null for every subject.' })
  subject(@Root() a: GradingAssignment, @GqlCtx() ctx: Ctx): Promise<Subject | null> {
    return a.subject ? ctx.loaders.subjectById.load(a.subject.id) : Promise.resolve(null);
  }

  @FieldResolver(() => SchoolClass, { name: 'schoolClass', nullable: true, description: 'The class; null for every class.' })
  schoolClass(@Root() a: GradingAssignment, @GqlCtx() ctx: Ctx): Promise<SchoolClass | null> {
    return a.schoolClass ? ctx.loaders.schoolClassById.load(a.schoolClass.id) : Promise.resolve(null);
  }
}

/** The page's subject, class or group, read only when selected. */
@Resolver(() => ClassJournal)
export class ClassJournalResolver {
  @FieldResolver(() => Subject, { description: 'The subject.' })
  subject(@Root() p: ClassJournal, @GqlCtx() ctx: Ctx): Promise<Subject> {
    return required(ctx.loaders.subjectById.load(p.subjectId), 'Subject');
  }

  @FieldResolver(() => SchoolClass, { name: 'schoolClass', nullable: true, description: 'The class; null for a group\'s page.' })
  schoolClass(@Root() p: ClassJournal, @GqlCtx() ctx: Ctx): Promise<SchoolClass | null> {
    return p.classId ? ctx.loaders.schoolClassById.load(p.classId) : Promise.resolve(null);
  }

  @FieldResolver(() => StudyGroup, { nullable: true, description: 'The study group; null for a class\'s page.' })
  group(@Root() p: ClassJournal, @GqlCtx() ctx: Ctx): Promise<StudyGroup | null> {
    return p.groupId ? ctx.loaders.studyGroupById.load(p.groupId) : Promise.resolve(null);
  }
}

/** The journal's queries and mutations (R-JOUR-1..5, R-JOUR-7, R-YEAR-2). */
@Resolver()
export class JournalResolver {
  @Query(() => ClassJournal, { description: 'A class journal page: the students × the lessons of a subject in a class or study group over a range (at most 120 days), with marks, attendance, topics, homework and weighted averages. For the teachers of the subject there (they fill it in lesson by lesson); read-only for the class teacher and the ADMIN, DIRECTOR and DEPUTY (R-ROLE-2..5). NOT_FOUND outside the viewer\'s schools; FORBIDDEN for other members.' })
  classJournal(@Arg('input', () => ClassJournalInput, { description: 'Which page.' }) input: ClassJournalInput, @GqlCtx() ctx: Ctx, @Info() info: GraphQLResolveInfo): Promise<ClassJournal> {
    return ctx.services.journal.classJournal(ctx, input, selectedFields(info, ['rows', 'marks']));
  }

  @Query(() => [SubjectMarks], { description: 'A student\'s marks by subject (by name) over a range of at most 400 days, with weighted averages. For the student, their guardians and staff taking part in their education (R-SEC-3); else NOT_FOUND.' })
  studentMarks(
    @Arg('studentId', () => ID, { description: 'Global ID of the student.' }) studentId: string,
    @Arg('from', () => LocalDateResolver, { description: 'First day (inclusive).' }) from: string,
    @Arg('to', () => LocalDateResolver, { description: 'Last day (inclusive).' }) to: string,
    @GqlCtx() ctx: Ctx,
  ): Promise<SubjectMarks[]> {
    return ctx.services.journal.studentMarks(ctx, studentId, from, to);
  }

  @Query(() => [Attendance], { description: 'R-ROLE-5: the absences and latenesses of a class\'s students over at most 31 days, in every subject, by lesson: for the class teacher (who reviews attendance weekly) and the ADMIN, DIRECTOR and DEPUTY. NOT_FOUND outside the viewer\'s schools; FORBIDDEN for other members.' })
  classAttendance(
    @Arg('classId', () => ID, { description: 'Global ID of the class.' }) classId: string,
    @Arg('from', () => LocalDateResolver, { description: 'First day (inclusive).' }) from: string,
    @Arg('to', () => LocalDateResolver, { description: 'Last day (inclusive); at most 31 days counted inclusively, else BAD_USER_INPUT with reason RANGE_TOO_LONG.' }) to: string,
    @GqlCtx() ctx: Ctx,
  ): Promise<Attendance[]> {
    return ctx.services.journal.classAttendance(ctx, classId, from, to);
  }

  @Query(() => [WorkType], { description: 'The work types of a school (R-JOUR-1, R-JOUR-3), by kind and name. Members of the school.' })
  workTypes(
    @Arg('schoolId', () => ID, { description: 'Global ID of the school.' }) schoolId: string,
    @Arg('includeArchived', () => Boolean, { defaultValue: false, description: 'Also archived ones.' }) includeArchived: boolean,
    @GqlCtx() ctx: Ctx,
  ): Promise<WorkType[]> {
    return ctx.services.journal.workTypes(ctx, schoolId, includeArchived);
  }

  @Mutation(() => LessonContentSetPayload, { description: 'Sets what a lesson covered (R-JOUR-1): a topic of the thematic plan or free text, the work types, notes. Only the teacher who conducts it (its substitute, R-JOUR-6). Entry after the lesson\'s day (school time) is allowed and flagged (`contentLate`). Audited.' })
  async lessonContentSet(@Arg('input', () => LessonContentSetInput, inputArg) input: LessonContentSetInput, @GqlCtx() ctx: Ctx): Promise<LessonContentSetPayload> {
    return Object.assign(new LessonContentSetPayload(), await ctx.services.journal.lessonContentSet(ctx, input));
  }

  @Mutation(() => HomeworkSetPayload, { description: 'Sets the homework of a lesson (R-JOUR-5), replacing any given before; due within 1.5 h after the class\'s last lesson of the day, later entry allowed and flagged. Only the teacher who conducts it. Delivered live to the diaries (R-DIARY-3).' })
  async homeworkSet(@Arg('input', () => HomeworkSetInput, inputArg) input: HomeworkSetInput, @GqlCtx() ctx: Ctx): Promise<HomeworkSetPayload> {
    return Object.assign(new HomeworkSetPayload(), await ctx.services.journal.homeworkSet(ctx, input));
  }

  @Mutation(() => HomeworkRemovePayload, { description: 'Removes the homework of a lesson. Only the teacher who conducts it. Audited; delivered live.' })
  async homeworkRemove(@Arg('input', () => HomeworkRemoveInput, inputArg) input: HomeworkRemoveInput, @GqlCtx() ctx: Ctx): Promise<HomeworkRemovePayload> {
    return Object.assign(new HomeworkRemovePayload(), await ctx.services.journal.homeworkRemove(ctx, input));
  }

  @Mutation(() => AttendanceSetPayload, { description: 'Takes the attendance of a lesson (R-JOUR-2) in one go: the absent and late students with reasons, everyone else present; records that attendance was taken even with nobody absent. All or nothing. Only the teacher who conducts it.' })
  async attendanceSet(@Arg('input', () => AttendanceSetInput, inputArg) input: AttendanceSetInput, @GqlCtx() ctx: Ctx): Promise<AttendanceSetPayload> {
    return Object.assign(new AttendanceSetPayload(), await ctx.services.journal.attendanceSet(ctx, input));
  }

  @Mutation(() => MarksPostPayload, { description: 'Posts marks of one lesson (R-JOUR-3, R-JOUR-4, R-JOUR-7): all or none — one refused mark writes none. Values on the grading system of the subject and class; students of the lesson with consent (R-SEC-4); a CONTROL work type needs the lesson\'s control work. Due the lesson\'s day (control works 3 days, written work a week), later posting allowed and flagged. Only the teacher who conducts it. Delivered live to the student\'s diary (R-DIARY-1).' })
  async marksPost(@Arg('input', () => MarksPostInput, inputArg) input: MarksPostInput, @GqlCtx() ctx: Ctx): Promise<MarksPostPayload> {
    return Object.assign(new MarksPostPayload(), await ctx.services.journal.marksPost(ctx, input));
  }

  @Mutation(() => MarkCorrectPayload, { description: 'Corrects a mark (value, work type, comment). Only the teacher who conducts its lesson. The old value stays in the audit trail (R-JOUR-10); delivered live.' })
  async markCorrect(@Arg('input', () => MarkCorrectInput, inputArg) input: MarkCorrectInput, @GqlCtx() ctx: Ctx): Promise<MarkCorrectPayload> {
    return Object.assign(new MarkCorrectPayload(), await ctx.services.journal.markCorrect(ctx, input));
  }

  @Mutation(() => MarkDeletePayload, { description: 'Deletes a mark. Only the teacher who conducts its lesson. The audit trail keeps it (R-JOUR-10); delivered live.' })
  async markDelete(@Arg('input', () => MarkDeleteInput, inputArg) input: MarkDeleteInput, @GqlCtx() ctx: Ctx): Promise<MarkDeletePayload> {
    return Object.assign(new MarkDeletePayload(), await ctx.services.journal.markDelete(ctx, input));
  }

  @Mutation(() => WorkTypePayload, { description: 'Creates a work type of the school with its weight (R-JOUR-3). ADMIN or DEPUTY of the school.' })
  async workTypeCreate(@Arg('input', () => WorkTypeCreateInput, inputArg) input: WorkTypeCreateInput, @GqlCtx() ctx: Ctx): Promise<WorkTypePayload> {
    return Object.assign(new WorkTypePayload(), await ctx.services.journal.workTypeCreate(ctx, input));
  }

  @Mutation(() => WorkTypePayload, { description: 'Renames, reweighs, archives or restores a work type. ADMIN or DEPUTY of the school.' })
  async workTypeUpdate(@Arg('input', () => WorkTypeUpdateInput, inputArg) input: WorkTypeUpdateInput, @GqlCtx() ctx: Ctx): Promise<WorkTypePayload> {
    return Object.assign(new WorkTypePayload(), await ctx.services.journal.workTypeUpdate(ctx, input));
  }

  @Mutation(() => GradingSystemAssignPayload, { description: 'Assigns the grading system that validates marks of a subject in a grade or class of a year, or the year\'s default (R-YEAR-2). ADMIN or DEPUTY of the school.' })
  async gradingSystemAssign(@Arg('input', () => GradingSystemAssignInput, inputArg) input: GradingSystemAssignInput, @GqlCtx() ctx: Ctx): Promise<GradingSystemAssignPayload> {
    return Object.assign(new GradingSystemAssignPayload(), await ctx.services.journal.gradingSystemAssign(ctx, input));
  }
}

export const journalResolvers = [LessonJournalResolver, PlannedTopicCoverageResolver, MarkResolver, AttendanceResolver, HomeworkResolver, GradingAssignmentResolver, ClassJournalResolver, JournalResolver];
