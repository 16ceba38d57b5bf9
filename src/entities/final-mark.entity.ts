import { Entity, Enum, Index, ManyToOne, Property, type Ref } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Node } from '../schema/node';
import { School } from './school.entity';
import { AcademicYear, StudyPeriod } from './academic-year.entity';
import { GradingValue } from './grading-system.entity';
import { Subject } from './subject.entity';
import { SchoolClass } from './school-class.entity';
import { StudyGroup } from './study-group.entity';
import { Student } from './student.entity';
import { Staff } from './staff.entity';

/** What a final mark records (R-JOUR-8, R-YEAR-2). */
export enum FinalMarkKind {
  MARK = 'MARK',
  EXEMPT = 'EXEMPT',
  MASTERED = 'MASTERED',
  NOT_ATTESTED = 'NOT_ATTESTED',
  POSTPONED = 'POSTPONED',
}
registerEnumType(FinalMarkKind, {
  name: 'FinalMarkKind',
  description: 'What a final mark records (R-JOUR-8). «осв» is written the same for EXEMPT and MASTERED; the reports count them apart.',
  valuesConfig: {
    MARK: { description: 'A value of the grading system ("5", "зач" …).' },
    EXEMPT: { description: '«осв»: exempt (освобождён) from the subject.' },
    MASTERED: { description: '«осв»: mastered (освоил) the subject.' },
    NOT_ATTESTED: { description: '«н/а»: not attested.' },
    POSTPONED: { description: 'Postponed (a sick student): no value yet; due on `postponedUntil`.' },
  },
});

/** R-JOUR-8, R-JOUR-11: a student's final mark in a subject for a study period, or for the year. */
@Entity({ tableName: 'final_mark' })
@Index({ properties: ['studyPeriod', 'subject'] })
@ObjectType({ implements: Node, description: 'A final mark (R-JOUR-8): a student\'s mark in a subject for a study period or for the year, or its postponement. It feeds the class summary sheet at once (R-JOUR-11).' })
export class FinalMark extends Node<'late'> {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => AcademicYear, { ref: true })
  academicYear!: Ref<AcademicYear>;

  @ManyToOne(() => Student, { ref: true })
  student!: Ref<Student>;

  @ManyToOne(() => Subject, { ref: true })
  subject!: Ref<Subject>;

  /** Null: the year's final mark. */
  @ManyToOne(() => StudyPeriod, { ref: true, nullable: true, deleteRule: 'no action' })
  studyPeriod?: Ref<StudyPeriod> | null;

  @Field(() => FinalMarkKind, { description: 'A value of the scale, «осв» as exempt or mastered, «н/а», or postponed.' })
  @Enum({ items: () => FinalMarkKind, nativeEnumName: 'final_mark_kind' })
  kind!: FinalMarkKind;

  @ManyToOne(() => GradingValue, { ref: true, nullable: true, deleteRule: 'no action' })
  gradingValue?: Ref<GradingValue> | null;

  @Field(() => String, { nullable: true, description: 'The value as written in the summary sheet ("5", "зач", "осв", "н/а"); null while postponed.' })
  @Property({ type: 'text', nullable: true })
  value?: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'Postponed: the new date by which the final mark is due.' })
  @Property({ type: 'date', nullable: true })
  postponedUntil?: string | null;

  @Field(() => String, { nullable: true, description: 'Postponed: why (e.g. the student\'s illness).' })
  @Property({ type: 'text', nullable: true })
  postponeReason?: string | null;

  @ManyToOne(() => Staff, { ref: true })
  setBy!: Ref<Staff>;

  @Field(() => Date, { description: 'When it was set or last changed.' })
  @Property({ type: 'timestamptz' })
  setAt!: Date;

  @Field(() => LocalDateResolver, { description: 'The day it was due (school time): the period\'s final-mark deadline, or the postponement\'s date.' })
  @Property({ type: 'date' })
  dueOn!: string;

  @Field(() => Boolean, { description: 'Set after `dueOn` (R-JOUR-8: allowed, flagged, counted by the timeliness reports).' })
  @Property({ type: 'boolean' })
  late: boolean = false;
}

/**
 * R-JOUR-9: the administration reopened a closed journal — of a subject in a class or group for a
 * study period, all of it or one student's — with a reason; open until it is closed again.
 */
@Entity({ tableName: 'journal_reopening' })
@ObjectType({ implements: Node, description: 'A reopening of a closed journal (R-JOUR-9): by the deputy or director, with a reason; the teacher may correct it until it is closed again. Both are audited.' })
export class JournalReopening extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => StudyPeriod, { ref: true })
  studyPeriod!: Ref<StudyPeriod>;

  @ManyToOne(() => Subject, { ref: true })
  subject!: Ref<Subject>;

  @ManyToOne(() => SchoolClass, { ref: true, nullable: true, deleteRule: 'no action' })
  schoolClass?: Ref<SchoolClass> | null;

  @ManyToOne(() => StudyGroup, { ref: true, nullable: true, deleteRule: 'no action' })
  group?: Ref<StudyGroup> | null;

  /** Null: the whole journal of the subject and class or group. */
  @ManyToOne(() => Student, { ref: true, nullable: true, deleteRule: 'no action' })
  student?: Ref<Student> | null;

  @Field(() => String, { description: 'Why it was reopened.' })
  @Property({ type: 'text' })
  reason!: string;

  @ManyToOne(() => Staff, { ref: true })
  reopenedBy!: Ref<Staff>;

  @Field(() => Date, { description: 'When it was reopened.' })
  @Property({ type: 'timestamptz' })
  reopenedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it was closed again; null while it is open.' })
  @Property({ type: 'timestamptz', nullable: true })
  closedAt?: Date | null;

  @ManyToOne(() => Staff, { ref: true, nullable: true, deleteRule: 'no action' })
  closedBy?: Ref<Staff> | null;
}

export const finalMarkEntities = [FinalMark, JournalReopening];
