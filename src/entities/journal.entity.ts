import { ArrayType, Entity, Enum, Index, ManyToOne, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Node } from '../schema/node';
import { School } from './school.entity';
import { AcademicYear } from './academic-year.entity';
import { GradingSystem, GradingValue } from './grading-system.entity';
import { Subject } from './subject.entity';
import { SchoolClass } from './school-class.entity';
import { Student } from './student.entity';
import { Staff } from './staff.entity';
import { Lesson } from './lesson.entity';
import { ControlWork } from './control-work.entity';

/** What a work type is for the deadlines of its marks (R-JOUR-3, R-JOUR-4) and the final-mark warnings. */
export enum WorkKind {
  CURRENT = 'CURRENT',
  WRITTEN = 'WRITTEN',
  PRACTICAL = 'PRACTICAL',
  CONTROL = 'CONTROL',
}
registerEnumType(WorkKind, {
  name: 'WorkKind',
  description: 'Kind of a work type: decides when its marks are due (R-JOUR-3, R-JOUR-4).',
  valuesConfig: {
    CURRENT: { description: 'Current work in the lesson (an answer, homework checked): marks due on the lesson\'s day.' },
    WRITTEN: { description: 'Written work (dictation, essay, test …): marks due within a week of the lesson.' },
    PRACTICAL: { description: 'Laboratory or practical work: marks due within a week of the lesson.' },
    CONTROL: { description: 'A control work of the schedule (R-YEAR-10): marks due within 3 days, tied to the control work of the lesson.' },
  },
});

/** R-JOUR-1, R-JOUR-3: a kind of work a lesson has and a mark is given for, with its weight in the average. */
@Entity({ tableName: 'work_type' })
@Unique({ properties: ['school', 'name'] })
@ObjectType({ implements: Node, description: 'A work type of the school (R-JOUR-1, R-JOUR-3): what a mark is given for, with its weight in the weighted average.' })
export class WorkType extends Node<'archivedAt'> {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @Field(() => String, { description: 'Name, e.g. "Ответ на уроке", "Контрольная работа".' })
  @Property({ type: 'text' })
  name!: string;

  @Field(() => WorkKind, { description: 'Kind: decides when its marks are due.' })
  @Enum({ items: () => WorkKind, nativeEnumName: 'work_kind' })
  kind!: WorkKind;

  @Field(() => Float, { description: 'Weight of its marks in the weighted average (0.1–10), configurable per school.' })
  @Property({ type: 'double precision' })
  weight!: number;

  @Field(() => Date, { nullable: true, description: 'When it was archived (no new marks or lessons use it); null while in use.' })
  @Property({ type: 'timestamptz', nullable: true })
  archivedAt?: Date | null;
}

/**
 * R-YEAR-2: which grading system validates the marks of a subject in a grade or class. The most
 * specific assignment of the year applies: class over grade, with subject over without; one with
 * neither subject, grade nor class is the school's default for the year.
 */
@Entity({ tableName: 'grading_assignment' })
@ObjectType({ implements: Node, description: 'Assigns a grading system to a subject and grade or class of a year, or (all empty) as the year\'s default (R-YEAR-2).' })
export class GradingAssignment extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => AcademicYear, { ref: true })
  academicYear!: Ref<AcademicYear>;

  @ManyToOne(() => GradingSystem, { ref: true })
  gradingSystem!: Ref<GradingSystem>;

  @ManyToOne(() => Subject, { ref: true, nullable: true, deleteRule: 'no action' })
  subject?: Ref<Subject> | null;

  @Field(() => Int, { nullable: true, description: 'The grade (1–11) it applies to; null for any.' })
  @Property({ type: 'smallint', nullable: true })
  grade?: number | null;

  @ManyToOne(() => SchoolClass, { ref: true, nullable: true, deleteRule: 'no action' })
  schoolClass?: Ref<SchoolClass> | null;
}

/** R-JOUR-1: a work type done in a lesson. */
@Entity({ tableName: 'lesson_work_type' })
@Unique({ properties: ['lesson', 'workType'] })
export class LessonWorkType extends Node {
  @ManyToOne(() => Lesson, { ref: true })
  lesson!: Ref<Lesson>;

  @ManyToOne(() => WorkType, { ref: true })
  workType!: Ref<WorkType>;
}

/** R-JOUR-5: the homework given in a lesson. */
@Entity({ tableName: 'homework' })
@ObjectType({ implements: Node, description: 'Homework given in a lesson (R-JOUR-5): due within 1.5 hours after the class\'s last lesson of the day; later entry is allowed and flagged.' })
export class Homework extends Node<'late'> {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => Lesson, { ref: true, unique: true })
  lesson!: Ref<Lesson>;

  @Field(() => String, { description: 'What to do.' })
  @Property({ type: 'text' })
  text!: string;

  @Field(() => String, { nullable: true, description: 'Pages of the textbook, e.g. "с. 45–47".' })
  @Property({ type: 'text', nullable: true })
  pages?: string | null;

  @Field(() => String, { nullable: true, description: 'Exercises, e.g. "№ 312, 315".' })
  @Property({ type: 'text', nullable: true })
  exercises?: string | null;

  @Field(() => [String], { description: 'Links (http or https URLs) to materials.' })
  @Property({ type: new ArrayType(), columnType: 'text[]' })
  links: string[] = [];

  @Field(() => Int, { nullable: true, description: 'The teacher\'s estimate of the time it takes, in minutes (the reports sum it per class and day).' })
  @Property({ type: 'smallint', nullable: true })
  estimatedMinutes?: number | null;

  @Field(() => Date, { description: 'When it was last entered or changed.' })
  @Property({ type: 'timestamptz' })
  enteredAt!: Date;

  @Field(() => Date, { description: 'When it was due: 1.5 hours after the end of the class\'s last lesson that day, in the school\'s time zone.' })
  @Property({ type: 'timestamptz' })
  dueAt!: Date;

  @Field(() => Boolean, { description: 'Entered after `dueAt` (R-JOUR-5: allowed, and counted by the timeliness reports).' })
  @Property({ type: 'boolean' })
  late: boolean = false;
}

export enum AttendanceStatus {
  ABSENT = 'ABSENT',
  LATE = 'LATE',
}
registerEnumType(AttendanceStatus, {
  name: 'AttendanceStatus',
  description: 'A student\'s attendance of a lesson when they were not simply present (R-JOUR-2).',
  valuesConfig: { ABSENT: { description: 'Absent («н»).' }, LATE: { description: 'Came late («оп»).' } },
});

export enum AbsenceReason {
  ILLNESS = 'ILLNESS',
  EXCUSED = 'EXCUSED',
  UNEXCUSED = 'UNEXCUSED',
  OTHER = 'OTHER',
}
registerEnumType(AbsenceReason, {
  name: 'AbsenceReason',
  description: 'Why a student was absent or late (R-JOUR-2), from the school\'s list.',
  valuesConfig: {
    ILLNESS: { description: 'Illness («Б»): excused.' },
    EXCUSED: { description: 'Another good reason («УП»): excused.' },
    UNEXCUSED: { description: 'No good reason («НП»).' },
    OTHER: { description: 'Another reason, see `note`.' },
  },
});

/** R-JOUR-2: a student absent from or late to a lesson. Present students have no row. */
@Entity({ tableName: 'attendance' })
@Unique({ properties: ['lesson', 'student'] })
@Index({ properties: ['student', 'lesson'] })
@ObjectType({ implements: Node, description: 'A student absent from or late to a lesson, with the reason (R-JOUR-2). Students present have none.' })
export class Attendance extends Node<'late'> {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => Lesson, { ref: true })
  lesson!: Ref<Lesson>;

  @ManyToOne(() => Student, { ref: true })
  student!: Ref<Student>;

  @Field(() => AttendanceStatus, { description: 'Absent or late.' })
  @Enum({ items: () => AttendanceStatus, nativeEnumName: 'attendance_status' })
  status!: AttendanceStatus;

  @Field(() => AbsenceReason, { description: 'Why.' })
  @Enum({ items: () => AbsenceReason, nativeEnumName: 'absence_reason' })
  reason!: AbsenceReason;

  @Field(() => Int, { nullable: true, description: 'Minutes late (LATE only), when recorded.' })
  @Property({ type: 'smallint', nullable: true })
  minutesLate?: number | null;

  @Field(() => String, { nullable: true, description: 'A note (e.g. the reason when OTHER).' })
  @Property({ type: 'text', nullable: true })
  note?: string | null;

  @Field(() => Date, { description: 'When it was entered or last changed.' })
  @Property({ type: 'timestamptz' })
  enteredAt!: Date;

  @Field(() => Boolean, { description: 'Entered after the lesson\'s day (school time): allowed, and counted by the timeliness reports.' })
  @Property({ type: 'boolean' })
  late: boolean = false;
}

export enum CreditBasis {
  TEACHER = 'TEACHER',
  COMMISSION = 'COMMISSION',
}
registerEnumType(CreditBasis, {
  name: 'CreditBasis',
  description: 'Who credited a missed topic (R-JOUR-7).',
  valuesConfig: { TEACHER: { description: 'The subject teacher.' }, COMMISSION: { description: 'A commission of the school.' } },
});

/** R-JOUR-3, R-JOUR-4, R-JOUR-7: a current mark of a student in a lesson for a work type. */
@Entity({ tableName: 'mark' })
@Index({ properties: ['student', 'lesson'] })
@Index({ properties: ['lesson'] })
@ObjectType({ implements: Node, description: 'A current mark (R-JOUR-3, R-JOUR-4): a student\'s mark in a lesson for a work type, with its value on the grading system of the subject and class.' })
export class Mark extends Node<'late'> {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => Lesson, { ref: true })
  lesson!: Ref<Lesson>;

  @ManyToOne(() => Student, { ref: true })
  student!: Ref<Student>;

  @ManyToOne(() => WorkType, { ref: true })
  workType!: Ref<WorkType>;

  /** The control work of the lesson a CONTROL work type's mark is for. */
  @ManyToOne(() => ControlWork, { ref: true, nullable: true, deleteRule: 'no action' })
  controlWork?: Ref<ControlWork> | null;

  @ManyToOne(() => GradingValue, { ref: true, deleteRule: 'no action' })
  gradingValue!: Ref<GradingValue>;

  @Field(() => String, { description: 'The value as written in the journal, e.g. "5", "зач".' })
  @Property({ type: 'text' })
  value!: string;

  @Field(() => String, { nullable: true, description: 'The teacher\'s comment.' })
  @Property({ type: 'text', nullable: true })
  comment?: string | null;

  @ManyToOne(() => Staff, { ref: true })
  postedBy!: Ref<Staff>;

  @Field(() => Date, { description: 'When it was posted or last changed.' })
  @Property({ type: 'timestamptz' })
  postedAt!: Date;

  @Field(() => Date, { description: 'When it was due (school time): the lesson\'s day for current work, 3 days after for a control work, a week after for written and practical work.' })
  @Property({ type: 'timestamptz' })
  dueAt!: Date;

  @Field(() => Boolean, { description: 'Posted after `dueAt` (R-JOUR-4: allowed, and counted by the timeliness reports).' })
  @Property({ type: 'boolean' })
  late: boolean = false;

  @Field(() => CreditBasis, { nullable: true, description: 'R-JOUR-7: a missed topic credited later — by whom; null for an ordinary mark.' })
  @Enum({ items: () => CreditBasis, nativeEnumName: 'credit_basis', nullable: true })
  creditBasis?: CreditBasis | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'R-JOUR-7: the date of the crediting protocol.' })
  @Property({ type: 'date', nullable: true })
  creditProtocolDate?: string | null;

  @Field(() => String, { nullable: true, description: 'R-JOUR-7: the number of the crediting protocol.' })
  @Property({ type: 'text', nullable: true })
  creditProtocolNumber?: string | null;
}

export const journalEntities = [WorkType, GradingAssignment, LessonWorkType, Homework, Attendance, Mark];
