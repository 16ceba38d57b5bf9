import { Entity, Enum, Index, ManyToOne, Property, type Ref } from '@mikro-orm/core';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Node } from '../schema/node';
import { School } from './school.entity';
import { AcademicYear } from './academic-year.entity';
import { SchoolClass } from './school-class.entity';
import { StudyGroup } from './study-group.entity';
import { Student } from './student.entity';
import { Room, Subject } from './subject.entity';
import { Staff } from './staff.entity';
import { LessonKind, TimetableEntry } from './timetable.entity';
import { PlannedTopic } from './curriculum.entity';

export enum LessonStatus {
  SCHEDULED = 'SCHEDULED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(LessonStatus, {
  name: 'LessonStatus',
  description: 'Whether a dated lesson takes place.',
  valuesConfig: {
    SCHEDULED: { description: 'Takes place (possibly moved or with a substitute).' },
    CANCELLED: { description: 'Cancelled; see `cancelReason`.' },
  },
});

/**
 * A dated lesson: the timetable expanded to a day (planned date, number, room) and what actually
 * happens: a move (date, number, room), a substitute teacher (R-JOUR-6) or a cancellation. The
 * journal of the lesson (R-JOUR-1) belongs to it.
 */
@Entity({ tableName: 'lesson' })
@Index({ properties: ['school', 'date'] })
@Index({ properties: ['schoolClass', 'date'] })
@Index({ properties: ['group', 'date'] })
@Index({ properties: ['student', 'date'] })
@Index({ properties: ['teacher', 'date'] })
@Index({ properties: ['substituteTeacher', 'date'] })
@Index({ properties: ['room', 'date'] })
@ObjectType({ implements: Node, description: 'A dated lesson (R-JOUR-1) with any substitution, move or cancellation applied (R-JOUR-6, R-DIARY-2).' })
export class Lesson extends Node<'status' | 'conductingTeacherId' | 'contentLate' | 'attendanceLate'> {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => AcademicYear, { ref: true })
  academicYear!: Ref<AcademicYear>;

  /** The timetable entry it was generated from; null once that entry is deleted (the lesson had journal data). */
  @ManyToOne(() => TimetableEntry, { ref: true, nullable: true, deleteRule: 'set null' })
  timetableEntry?: Ref<TimetableEntry> | null;

  @Field(() => LocalDateResolver, { description: 'The date the timetable gave it.' })
  @Property({ type: 'date' })
  plannedDate!: string;

  @Field(() => Int, { description: 'The lesson number the timetable gave it.' })
  @Property({ type: 'smallint' })
  plannedLessonNumber!: number;

  @ManyToOne(() => Room, { ref: true, nullable: true, deleteRule: 'no action' })
  plannedRoom?: Ref<Room> | null;

  @Field(() => LocalDateResolver, { description: 'The date it takes place (after a move).' })
  @Property({ type: 'date' })
  date!: string;

  @Field(() => Int, { description: 'The lesson number it takes place at (after a move).' })
  @Property({ type: 'smallint' })
  lessonNumber!: number;

  @ManyToOne(() => Room, { ref: true, nullable: true, deleteRule: 'no action' })
  room?: Ref<Room> | null;

  @ManyToOne(() => Subject, { ref: true })
  subject!: Ref<Subject>;

  /** The teacher of the timetable. */
  @ManyToOne(() => Staff, { ref: true })
  teacher!: Ref<Staff>;

  /** Exactly one of schoolClass, group and student is set. */
  @ManyToOne(() => SchoolClass, { ref: true, nullable: true, deleteRule: 'no action' })
  schoolClass?: Ref<SchoolClass> | null;

  @ManyToOne(() => StudyGroup, { ref: true, nullable: true, deleteRule: 'no action' })
  group?: Ref<StudyGroup> | null;

  @ManyToOne(() => Student, { ref: true, nullable: true, deleteRule: 'no action' })
  student?: Ref<Student> | null;

  @Field(() => LessonKind, { description: 'Main, extracurricular or additional.' })
  @Enum({ items: () => LessonKind, nativeEnumName: 'lesson_kind' })
  kind!: LessonKind;

  @Field(() => LessonStatus, { description: 'Scheduled or cancelled.' })
  @Enum({ items: () => LessonStatus, nativeEnumName: 'lesson_status' })
  status: LessonStatus = LessonStatus.SCHEDULED;

  /** R-JOUR-6: who conducts it instead of `teacher`. */
  @ManyToOne(() => Staff, { ref: true, nullable: true, deleteRule: 'no action' })
  substituteTeacher?: Ref<Staff> | null;

  @Field(() => String, { nullable: true, description: 'Why a substitute conducts it (e.g. "больничный"); null without a substitution.' })
  @Property({ type: 'text', nullable: true })
  substitutionReason?: string | null;

  @Field(() => String, { nullable: true, description: 'Why it was moved; null when it was not.' })
  @Property({ type: 'text', nullable: true })
  moveReason?: string | null;

  @Field(() => String, { nullable: true, description: 'Why it was cancelled; null unless CANCELLED.' })
  @Property({ type: 'text', nullable: true })
  cancelReason?: string | null;

  @Field(() => String, { nullable: true, description: 'Topic of the lesson (R-JOUR-1), entered by the teacher who conducts it.' })
  @Property({ type: 'text', nullable: true })
  topic?: string | null;

  /** R-JOUR-1: the topic of the thematic plan the lesson covered (its title is then `topic`). */
  @ManyToOne(() => PlannedTopic, { ref: true, nullable: true, deleteRule: 'no action' })
  plannedTopic?: Ref<PlannedTopic> | null;

  /** The teacher's notes on the lesson (R-JOUR-1); the `notes` field shows them to the school's staff only. */
  @Property({ type: 'text', nullable: true })
  notes?: string | null;

  @Field(() => Date, { nullable: true, description: 'When the topic, work types or notes were last entered; null until they are.' })
  @Property({ type: 'timestamptz', nullable: true })
  contentEnteredAt?: Date | null;

  @Field(() => Boolean, { description: 'The topic, work types or notes were entered after the lesson\'s day in the school\'s time zone (allowed; counted by the timeliness reports).' })
  @Property({ type: 'boolean', default: false })
  contentLate: boolean = false;

  @Field(() => Date, { nullable: true, description: 'When attendance was last taken (R-JOUR-2), even with nobody absent; null while it never was.' })
  @Property({ type: 'timestamptz', nullable: true })
  attendanceTakenAt?: Date | null;

  @Field(() => Boolean, { description: 'Attendance was taken after the lesson\'s day in the school\'s time zone.' })
  @Property({ type: 'boolean', default: false })
  attendanceLate: boolean = false;

  /** The teacher who conducts the lesson: the substitute when there is one. */
  get conductingTeacherId(): string {
    return this.substituteTeacher?.id ?? this.teacher.id;
  }
}
