import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { GraphQLJSONObject, LocalDateResolver } from 'graphql-scalars';
import { Payload } from './user-error';
import { StudyPeriod } from '../entities/academic-year.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { Student } from '../entities/student.entity';
import { Subject } from '../entities/subject.entity';
import { Staff } from '../entities/staff.entity';
import { AuditAction } from '../entities/audit-entry.entity';
import { FinalMark, FinalMarkKind, JournalReopening } from '../entities/final-mark.entity';

// ---- final marks (R-JOUR-8) ----

@InputType({ description: 'A final-mark cell: a student and subject, and a study period or (academicYearId instead) the year.' })
export class FinalMarkCellInput {
  @Field(() => ID, { description: 'The student.' })
  studentId!: string;

  @Field(() => ID, { description: 'The subject.' })
  subjectId!: string;

  @Field(() => ID, { nullable: true, description: 'The study period (one of the student\'s grade); give this or academicYearId.' })
  periodId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The academic year, for the year\'s final mark; give this or periodId. Its window, deadline and close are those of the grade\'s last period.' })
  academicYearId?: string | null;
}

@InputType({ description: 'Input of `finalMarkSet`: a final mark, set or corrected.' })
export class FinalMarkSetInput extends FinalMarkCellInput {
  @Field(() => String, { description: 'A value of the grading system of the subject and class, final-only values included: "5", "зач", «осв», «н/а».' })
  value!: string;

  @Field(() => FinalMarkKind, { nullable: true, description: 'Required with «осв»: EXEMPT (освобождён) or MASTERED (освоил). Otherwise it follows from the value (MARK, or NOT_ATTESTED for «н/а») and may be omitted.' })
  kind?: FinalMarkKind | null;
}

@InputType({ description: 'Input of `finalMarkPostpone`: a sick student\'s final mark is set later (R-JOUR-8).' })
export class FinalMarkPostponeInput extends FinalMarkCellInput {
  @Field(() => LocalDateResolver, { description: 'The new date by which the final mark is due: from today to 92 days after the period\'s end.' })
  until!: string;

  @Field(() => String, { description: 'Why (at most 1000 characters), e.g. the illness.' })
  reason!: string;
}

export enum FinalMarkWarningCode {
  FEW_MARKS = 'FEW_MARKS',
  NO_WRITTEN_WORK = 'NO_WRITTEN_WORK',
}
registerEnumType(FinalMarkWarningCode, {
  name: 'FinalMarkWarningCode',
  description: 'Why a final mark may not be sound (R-JOUR-8): a warning, the mark is set.',
  valuesConfig: {
    FEW_MARKS: { description: 'Fewer current marks over the dates than the school\'s minimum (`School.finalMarkMinMarks`).' },
    NO_WRITTEN_WORK: { description: 'The subject had written or practical work over the dates, and the student has no mark for it.' },
  },
});

@ObjectType({ description: 'A warning about a final mark that was set (R-JOUR-8).' })
export class FinalMarkWarning {
  @Field(() => FinalMarkWarningCode, { description: 'Machine-readable code.' })
  code!: FinalMarkWarningCode;

  @Field(() => String, { description: 'Human-readable explanation.' })
  message!: string;
}

@ObjectType({ description: 'Result of `finalMarkSet`.' })
export class FinalMarkSetPayload extends Payload {
  @Field(() => FinalMark, { nullable: true, description: 'The final mark as it is now; null when the input was refused.' })
  finalMark?: FinalMark | null;

  @Field(() => [FinalMarkWarning], { description: 'Warnings: too few current marks, none for written or practical work. Empty when the mark looks sound or was refused.' })
  warnings: FinalMarkWarning[] = [];

  @Field(() => Float, { nullable: true, description: 'The weighted average of the student\'s current marks in the subject over the period (the year for a year\'s mark), shown beside the final mark; null without numeric marks.' })
  average?: number | null;

  @Field(() => Int, { nullable: true, description: 'How many current marks it is based on.' })
  currentMarkCount?: number | null;
}

@ObjectType({ description: 'Result of `finalMarkPostpone`.' })
export class FinalMarkPostponePayload extends Payload {
  @Field(() => FinalMark, { nullable: true, description: 'The postponed final mark (kind POSTPONED); null when the input was refused.' })
  finalMark?: FinalMark | null;
}

// ---- reopening (R-JOUR-9) ----

@InputType({ description: 'Input of `journalReopen`.' })
export class JournalReopenInput {
  @Field(() => ID, { description: 'The study period whose journal is reopened.' })
  periodId!: string;

  @Field(() => ID, { description: 'The subject.' })
  subjectId!: string;

  @Field(() => ID, { nullable: true, description: 'The class (its lessons and its groups\'); give this or groupId.' })
  classId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The study group; give this or classId.' })
  groupId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only this student\'s marks and final mark; omitted: the whole journal.' })
  studentId?: string | null;

  @Field(() => String, { description: 'Why (at most 1000 characters); kept with the reopening and shown to the school\'s staff in the history of every cell changed under it.' })
  reason!: string;
}

@InputType({ description: 'Input of `journalClose`.' })
export class JournalCloseInput {
  @Field(() => ID, { description: 'The reopening to close.' })
  reopeningId!: string;
}

@ObjectType({ description: 'Result of `journalReopen` and `journalClose`.' })
export class JournalReopeningPayload extends Payload {
  @Field(() => JournalReopening, { nullable: true, description: 'The reopening as it is now; null when the input was refused.' })
  reopening?: JournalReopening | null;
}

// ---- the summary sheet (R-JOUR-11) ----

@ObjectType({ description: 'One student\'s line of a summary sheet.' })
export class SummarySheetRow {
  @Field(() => Student, { description: 'The student (everyone who was in the class during the year).' })
  student!: Student;

  @Field(() => LocalDateResolver, { nullable: true, description: 'The last day in the class, for a student who left it; null while they are in it.' })
  leftOn?: string | null;

  @Field(() => [FinalMark], { description: 'Their final marks of the year: by subject, periods in order, then the year\'s (`studyPeriod` null).' })
  finalMarks: FinalMark[] = [];
}

@ObjectType({ description: 'The summary sheet of a class (R-JOUR-11, R-REP-8): students × subjects × study periods and the year, live from the final marks.' })
export class SummarySheet {
  @Field(() => SchoolClass, { description: 'The class.' })
  schoolClass!: SchoolClass;

  @Field(() => [StudyPeriod], { description: 'The study periods of the class\'s grade, in order.' })
  periods: StudyPeriod[] = [];

  @Field(() => [Subject], { description: 'The subjects taught to the class or with a final mark, by name.' })
  subjects: Subject[] = [];

  @Field(() => [SummarySheetRow], { description: 'One line per student, by name.' })
  rows: SummarySheetRow[] = [];
}

// ---- the history of a cell (R-JOUR-10) ----

@ObjectType({ description: 'One change of a journal cell (R-JOUR-10), from the audit trail.' })
export class JournalChange {
  @Field(() => Date, { description: 'When it was written.' })
  occurredAt!: Date;

  @Field(() => AuditAction, { description: 'Created, updated or deleted.' })
  action!: AuditAction;

  @Field(() => String, { description: 'What changed: "Mark", "Attendance", "Homework", "Lesson" (topic, notes), "LessonWorkType" or "FinalMark".' })
  entityType!: string;

  @Field(() => ID, { description: 'Global ID of the changed record (it may no longer exist).' })
  entityId!: string;

  @Field(() => Staff, { nullable: true, description: 'Who made it: the staff member; null for a system job or someone who is not staff of the school.' })
  author?: Staff | null;

  @Field(() => GraphQLJSONObject, { description: 'The fields of the cell that changed: `{ field: { before, after } }` (references as global IDs; a lesson\'s notes for staff only).' })
  changes!: Record<string, { before: unknown; after: unknown }>;

  @Field(() => JournalReopening, { nullable: true, description: 'The reopening of the closed journal it was made under, for the school\'s staff; null when the journal was open, and for students and parents.' })
  reopening?: JournalReopening | null;
}
