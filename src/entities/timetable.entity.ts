import { Entity, Enum, Index, ManyToOne, Property, type Ref, Unique } from '@mikro-orm/core';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver, LocalTimeResolver } from 'graphql-scalars';
import { Node } from '../schema/node';
import { School } from './school.entity';
import { AcademicYear } from './academic-year.entity';
import { SchoolClass } from './school-class.entity';
import { StudyGroup } from './study-group.entity';
import { Student } from './student.entity';
import { Room, Subject } from './subject.entity';
import { Staff } from './staff.entity';

export enum LessonKind {
  MAIN = 'MAIN',
  EXTRACURRICULAR = 'EXTRACURRICULAR',
  ADDITIONAL = 'ADDITIONAL',
}
registerEnumType(LessonKind, {
  name: 'LessonKind',
  description: 'Kind of class in the timetable (R-YEAR-9).',
  valuesConfig: {
    MAIN: { description: 'A lesson of the curriculum.' },
    EXTRACURRICULAR: { description: 'Extracurricular activity (внеурочная деятельность).' },
    ADDITIONAL: { description: 'Additional education (дополнительное образование).' },
  },
});

/** A bell schedule of an academic year: the school's default, or one class's or group's own (R-YEAR-6). */
@Entity({ tableName: 'bell_schedule' })
@Index({ properties: ['school'] })
@ObjectType({ implements: Node, description: 'A bell schedule (режим работы): lesson number → start and end time. Without a class or group it is the school\'s default for the year (R-YEAR-6).' })
export class BellSchedule extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => AcademicYear, { ref: true })
  academicYear!: Ref<AcademicYear>;

  @Field(() => String, { description: 'Name, e.g. "Основное расписание звонков".' })
  @Property({ type: 'text' })
  name!: string;

  /** The class this schedule is for; null with `group` for the school default. */
  @ManyToOne(() => SchoolClass, { ref: true, nullable: true, deleteRule: 'no action' })
  schoolClass?: Ref<SchoolClass> | null;

  @ManyToOne(() => StudyGroup, { ref: true, nullable: true, deleteRule: 'no action' })
  group?: Ref<StudyGroup> | null;
}

/** One lesson of a bell schedule. */
@Entity({ tableName: 'bell_slot' })
@Unique({ properties: ['bellSchedule', 'lessonNumber'] })
@ObjectType({ description: 'The start and end time of one lesson number in a bell schedule (school-local time).' })
export class BellSlot extends Node {
  @ManyToOne(() => BellSchedule, { ref: true, deleteRule: 'cascade' })
  bellSchedule!: Ref<BellSchedule>;

  @Field(() => Int, { description: 'Lesson number (0 for a "zero" lesson, then 1, 2, …).' })
  @Property({ type: 'smallint' })
  lessonNumber!: number;

  @Field(() => LocalTimeResolver, { description: 'Start, school-local time.' })
  @Property({ type: 'time', columnType: 'time' })
  startsAt!: string;

  @Field(() => LocalTimeResolver, { description: 'End, school-local time.' })
  @Property({ type: 'time', columnType: 'time' })
  endsAt!: string;
}

/**
 * A weekly timetable line (R-YEAR-9): on a weekday, at a lesson number, a teacher teaches a subject
 * to exactly one of a class, a study group (a subgroup, elective, club or stream) or one student
 * (individual plan), in a room, between two dates.
 */
@Entity({ tableName: 'timetable_entry' })
@Index({ properties: ['school'] })
@Index({ properties: ['teacher'] })
@Index({ properties: ['room'] })
@Index({ properties: ['schoolClass'] })
@Index({ properties: ['group'] })
@Index({ properties: ['student'] })
@Index({ properties: ['subject'] })
@ObjectType({ implements: Node, description: 'A weekly timetable entry: weekday, lesson number, subject, teacher, room and whom it is for, valid between two dates (R-YEAR-9).' })
export class TimetableEntry extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => AcademicYear, { ref: true })
  academicYear!: Ref<AcademicYear>;

  @Field(() => Int, { description: 'ISO weekday: 1 Monday … 7 Sunday.' })
  @Property({ type: 'smallint' })
  weekday!: number;

  @Field(() => Int, { description: 'Lesson number of the day.' })
  @Property({ type: 'smallint' })
  lessonNumber!: number;

  @ManyToOne(() => Subject, { ref: true })
  subject!: Ref<Subject>;

  @ManyToOne(() => Staff, { ref: true })
  teacher!: Ref<Staff>;

  @ManyToOne(() => Room, { ref: true, nullable: true, deleteRule: 'no action' })
  room?: Ref<Room> | null;

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

  @Field(() => LocalDateResolver, { description: 'First day the entry applies (inclusive).' })
  @Property({ type: 'date' })
  validFrom!: string;

  @Field(() => LocalDateResolver, { description: 'Last day the entry applies (inclusive).' })
  @Property({ type: 'date' })
  validTo!: string;
}

export const timetableEntities = [BellSchedule, BellSlot, TimetableEntry];
