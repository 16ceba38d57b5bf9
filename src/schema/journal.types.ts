import { Field, Float, ID, InputType, Int, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Payload } from './user-error';
import { Lesson } from '../entities/lesson.entity';
import { Student } from '../entities/student.entity';
import { Subject } from '../entities/subject.entity';
import { AbsenceReason, Attendance, AttendanceStatus, CreditBasis, GradingAssignment, Homework, Mark, WorkKind, WorkType } from '../entities/journal.entity';

/** Longest range of one class-journal read, in days (a quarter is at most 92). */
export const JOURNAL_RANGE_MAX_DAYS = 120;
/** Most marks in one `marksPost`: a class of 40 with three work types. */
export const MARKS_PER_POST_MAX = 120;
/** Most absences in one `attendanceSet`. */
export const ABSENCES_PER_LESSON_MAX = 60;

// ---- lesson content (R-JOUR-1) ----

@InputType({ description: 'Input of `lessonContentSet`: what the lesson covered. Omitted fields stay as they are.' })
export class LessonContentSetInput {
  @Field(() => ID, { description: 'The lesson; only the teacher who conducts it (its substitute, when it has one) may fill it in, and not when it is cancelled.' })
  lessonId!: string;

  @Field(() => ID, { nullable: true, description: 'A topic of the thematic plan of the lesson\'s subject and class or group; the lesson\'s `topic` becomes its title and the topic counts as covered. Null removes the link (the topic text stays unless `topic` is given).' })
  plannedTopicId?: string | null;

  @Field(() => String, { nullable: true, description: 'The topic as free text (at most 1000 characters), when it is not (or not only) the planned topic\'s title; null or blank removes it.' })
  topic?: string | null;

  @Field(() => [ID], { nullable: true, description: 'The work types done in the lesson (work types of the school, not archived); replaces the list; [] clears it.' })
  workTypeIds?: string[] | null;

  @Field(() => String, { nullable: true, description: 'The teacher\'s notes (at most 2000 characters); null or blank removes them.' })
  notes?: string | null;
}

@ObjectType({ description: 'Result of `lessonContentSet`.' })
export class LessonContentSetPayload extends Payload {
  @Field(() => Lesson, { nullable: true, description: 'The lesson with its content; null when nothing was changed.' })
  lesson?: Lesson | null;
}

// ---- homework (R-JOUR-5) ----

@InputType({ description: 'Input of `homeworkSet`: the homework of a lesson, replacing any given before.' })
export class HomeworkSetInput {
  @Field(() => ID, { description: 'The lesson; only the teacher who conducts it may set its homework, and not when it is cancelled.' })
  lessonId!: string;

  @Field(() => String, { description: 'What to do (1–4000 characters).' })
  text!: string;

  @Field(() => String, { nullable: true, description: 'Pages (at most 200 characters), e.g. "с. 45–47".' })
  pages?: string | null;

  @Field(() => String, { nullable: true, description: 'Exercises (at most 500 characters), e.g. "№ 312, 315".' })
  exercises?: string | null;

  @Field(() => [String], { nullable: true, description: 'Links to materials: at most 10 absolute http(s) URLs of at most 2000 characters.' })
  links?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'Estimated time in minutes (1–600).' })
  estimatedMinutes?: number | null;
}

@ObjectType({ description: 'Result of `homeworkSet`.' })
export class HomeworkSetPayload extends Payload {
  @Field(() => Homework, { nullable: true, description: 'The homework; null when nothing was changed.' })
  homework?: Homework | null;
}

@InputType({ description: 'Input of `homeworkRemove`.' })
export class HomeworkRemoveInput {
  @Field(() => ID, { description: 'The lesson whose homework is removed.' })
  lessonId!: string;
}

@ObjectType({ description: 'Result of `homeworkRemove`.' })
export class HomeworkRemovePayload extends Payload {
  @Field(() => Lesson, { nullable: true, description: 'The lesson, without homework; null when nothing was changed.' })
  lesson?: Lesson | null;
}

// ---- attendance (R-JOUR-2) ----

@InputType({ description: 'A student absent from or late to the lesson.' })
export class AbsenceInput {
  @Field(() => ID, { description: 'The student: one of the lesson\'s students on its date.' })
  studentId!: string;

  @Field(() => AttendanceStatus, { description: 'Absent or late.' })
  status!: AttendanceStatus;

  @Field(() => AbsenceReason, { description: 'Why.' })
  reason!: AbsenceReason;

  @Field(() => Int, { nullable: true, description: 'Minutes late (LATE only; 1–180).' })
  minutesLate?: number | null;

  @Field(() => String, { nullable: true, description: 'A note (at most 500 characters); required with reason OTHER.' })
  note?: string | null;
}

@InputType({ description: 'Input of `attendanceSet`: the whole attendance of a lesson in one go (R-JOUR-2).' })
export class AttendanceSetInput {
  @Field(() => ID, { description: 'The lesson; only the teacher who conducts it may take its attendance, and not when it is cancelled.' })
  lessonId!: string;

  @Field(() => [AbsenceInput], { description: 'Every student absent or late (at most 60, each once); everyone else is present. [] records that attendance was taken and nobody was absent.' })
  absences!: AbsenceInput[];
}

@ObjectType({ description: 'Result of `attendanceSet`.' })
export class AttendanceSetPayload extends Payload {
  @Field(() => Lesson, { nullable: true, description: 'The lesson with its attendance; null when the input was refused.' })
  lesson?: Lesson | null;
}

// ---- marks (R-JOUR-3, R-JOUR-4, R-JOUR-7) ----

@InputType({ description: 'R-JOUR-7: the protocol a missed topic is credited by.' })
export class CreditInput {
  @Field(() => CreditBasis, { description: 'The subject teacher or a commission.' })
  basis!: CreditBasis;

  @Field(() => LocalDateResolver, { description: 'Date of the protocol: on or after the lesson, not in the future.' })
  protocolDate!: string;

  @Field(() => String, { description: 'Number of the protocol (1–50 characters).' })
  protocolNumber!: string;
}

@InputType({ description: 'One mark to post.' })
export class MarkInput {
  @Field(() => ID, { description: 'The student: one of the lesson\'s students on its date, with consent to personal-data processing (R-SEC-4).' })
  studentId!: string;

  @Field(() => ID, { description: 'The work type the mark is for (of the school, not archived). A CONTROL work type needs a control work scheduled for the lesson.' })
  workTypeId!: string;

  @Field(() => String, { description: 'The value, on the grading system of the lesson\'s subject and class (e.g. "5", "зач"); final-only values («осв», «н/а») are refused.' })
  value!: string;

  @Field(() => String, { nullable: true, description: 'A comment (at most 500 characters).' })
  comment?: string | null;

  @Field(() => CreditInput, { nullable: true, description: 'R-JOUR-7: the mark credits the topic of this lesson, which the student missed (their absence stays recorded); the protocol it is given by.' })
  credit?: CreditInput | null;
}

@InputType({ description: 'Input of `marksPost`: marks of one lesson, all written or none.' })
export class MarksPostInput {
  @Field(() => ID, { description: 'The lesson; only the teacher who conducts it may post its marks, and not when it is cancelled.' })
  lessonId!: string;

  @Field(() => [MarkInput], { description: 'The marks (1–120); a student may get several, for different or the same work types.' })
  marks!: MarkInput[];
}

@ObjectType({ description: 'Result of `marksPost`.' })
export class MarksPostPayload extends Payload {
  @Field(() => [Mark], { description: 'The marks posted, in input order; empty when the input was refused (then none was written).' })
  marks: Mark[] = [];
}

@InputType({ description: 'Input of `markCorrect`: omitted fields stay as they are. Every correction is audited (R-JOUR-10).' })
export class MarkCorrectInput {
  @Field(() => ID, { description: 'The mark; only the teacher who conducts its lesson may correct it.' })
  markId!: string;

  @Field(() => String, { nullable: true, description: 'The new value, on the lesson\'s grading system.' })
  value?: string | null;

  @Field(() => ID, { nullable: true, description: 'The new work type.' })
  workTypeId?: string | null;

  @Field(() => String, { nullable: true, description: 'The new comment; blank removes it.' })
  comment?: string | null;
}

@ObjectType({ description: 'Result of `markCorrect`.' })
export class MarkCorrectPayload extends Payload {
  @Field(() => Mark, { nullable: true, description: 'The mark as corrected; null when nothing was changed.' })
  mark?: Mark | null;
}

@InputType({ description: 'Input of `markDelete`.' })
export class MarkDeleteInput {
  @Field(() => ID, { description: 'The mark; only the teacher who conducts its lesson may delete it. The audit trail keeps it (R-JOUR-10).' })
  markId!: string;
}

@ObjectType({ description: 'Result of `markDelete`.' })
export class MarkDeletePayload extends Payload {
  @Field(() => ID, { nullable: true, description: 'The global ID of the deleted mark; null when nothing was deleted.' })
  deletedMarkId?: string | null;

  @Field(() => Lesson, { nullable: true, description: 'Its lesson.' })
  lesson?: Lesson | null;
}

// ---- set-up: work types and grading assignments (R-YEAR-2) ----

@InputType({ description: 'Input of `workTypeCreate`.' })
export class WorkTypeCreateInput {
  @Field(() => ID, { description: 'The school.' })
  schoolId!: string;

  @Field(() => String, { description: 'Name, unique in the school (1–200 characters).' })
  name!: string;

  @Field(() => WorkKind, { description: 'Kind: decides when its marks are due.' })
  kind!: WorkKind;

  @Field(() => Float, { description: 'Weight in the weighted average, 0.1–10.' })
  weight!: number;
}

@InputType({ description: 'Input of `workTypeUpdate`: omitted fields stay as they are.' })
export class WorkTypeUpdateInput {
  @Field(() => ID, { description: 'The work type.' })
  workTypeId!: string;

  @Field(() => String, { nullable: true, description: 'New name.' })
  name?: string | null;

  @Field(() => Float, { nullable: true, description: 'New weight, 0.1–10: averages use it at once, for old marks too.' })
  weight?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'true archives it (no new marks or lessons use it), false brings it back.' })
  archived?: boolean | null;
}

@ObjectType({ description: 'Result of `workTypeCreate` and `workTypeUpdate`.' })
export class WorkTypePayload extends Payload {
  @Field(() => WorkType, { nullable: true, description: 'The work type; null when nothing was changed.' })
  workType?: WorkType | null;
}

@InputType({ description: 'Input of `gradingSystemAssign`: which grading system validates the marks of a subject in a grade or class of a year (R-YEAR-2). All of subjectId, grade and classId empty sets the year\'s default.' })
export class GradingSystemAssignInput {
  @Field(() => ID, { description: 'The academic year.' })
  academicYearId!: string;

  @Field(() => ID, { description: 'The grading system (of the year\'s school).' })
  gradingSystemId!: string;

  @Field(() => ID, { nullable: true, description: 'The subject; null for every subject.' })
  subjectId?: string | null;

  @Field(() => Int, { nullable: true, description: 'The grade (1–11); null for every grade. Not together with classId.' })
  grade?: number | null;

  @Field(() => ID, { nullable: true, description: 'The class (of the year); null for every class.' })
  classId?: string | null;
}

@ObjectType({ description: 'Result of `gradingSystemAssign`.' })
export class GradingSystemAssignPayload extends Payload {
  @Field(() => GradingAssignment, { nullable: true, description: 'The assignment (replacing any of the same scope); null when the input was refused.' })
  assignment?: GradingAssignment | null;
}

// ---- read models (R-JOUR, R-ROLE-5, R-DIARY-2) ----

@InputType({ description: 'Which class journal page to read: a subject of a class or a study group, for a range of dates.' })
export class ClassJournalInput {
  @Field(() => ID, { description: 'The subject.' })
  subjectId!: string;

  @Field(() => ID, { nullable: true, description: 'The class (exactly one of classId and groupId).' })
  classId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The study group (exactly one of classId and groupId).' })
  groupId?: string | null;

  @Field(() => LocalDateResolver, { description: 'First day (inclusive).' })
  from!: string;

  @Field(() => LocalDateResolver, { description: 'Last day (inclusive); at most 120 days after `from`, else BAD_USER_INPUT with reason RANGE_TOO_LONG.' })
  to!: string;
}

@ObjectType({ description: 'One student\'s row of a class journal page.' })
export class JournalRow {
  @Field(() => Student, { description: 'The student (personal data as the viewer may see them, R-SEC-3).' })
  student!: Student;

  @Field(() => LocalDateResolver, { nullable: true, description: 'The day they joined the class or group, when inside the range; null when they were in it from its start.' })
  joinedOn!: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'Their last day in the class or group, when inside the range (they left or moved: their row and marks stay); null while they are in it.' })
  leftOn!: string | null;

  @Field(() => [Mark], { description: 'Their marks in the page\'s lessons, by lesson date and number, then posting time.' })
  marks!: Mark[];

  @Field(() => [Attendance], { description: 'Their absences and latenesses in the page\'s lessons, by lesson.' })
  attendance!: Attendance[];

  @Field(() => Float, { nullable: true, description: 'Weighted average of their numeric marks on the page (each mark weighted by its work type), rounded to 2 decimals; null without numeric marks.' })
  average!: number | null;
}

@ObjectType({ description: 'A class journal page (R-JOUR): the students × the lessons of a subject in a class or study group over a range of dates.' })
export class ClassJournal {
  /** `subject`, `schoolClass` and `group` are read when selected (field resolvers in JournalResolver). */
  subjectId!: string;
  classId!: string | null;
  groupId!: string | null;

  @Field(() => LocalDateResolver, { description: 'First day.' })
  from!: string;

  @Field(() => LocalDateResolver, { description: 'Last day.' })
  to!: string;

  @Field(() => Boolean, { description: 'True when the viewer may only read it (the class teacher, the administration): it is written lesson by lesson by the teacher who conducts each.' })
  readOnly!: boolean;

  @Field(() => [Lesson], { description: 'The lessons of the subject for the class or group in the range, not cancelled, by date and lesson number (with topics, homework, work types).' })
  lessons!: Lesson[];

  @Field(() => [JournalRow], { description: 'One row per student who was in the class or group on some day of the range, by last name; those who left keep their row (`leftOn`).' })
  rows!: JournalRow[];
}

@ObjectType({ description: 'A student\'s marks in one subject over a range, with the weighted average.' })
export class SubjectMarks {
  @Field(() => Subject, { description: 'The subject.' })
  subject!: Subject;

  @Field(() => [Mark], { description: 'The marks, by lesson date.' })
  marks!: Mark[];

  @Field(() => Float, { nullable: true, description: 'Weighted average of the numeric marks, rounded to 2 decimals; null without numeric marks.' })
  average!: number | null;
}
