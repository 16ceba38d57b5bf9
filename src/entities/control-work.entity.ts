import { Entity, Enum, Index, ManyToOne, Property, type Ref } from '@mikro-orm/core';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Node } from '../schema/node';
import { School } from './school.entity';
import { AcademicYear } from './academic-year.entity';
import { SchoolClass } from './school-class.entity';
import { StudyGroup } from './study-group.entity';
import { Subject } from './subject.entity';

export enum ControlForm {
  CONTROL_WORK = 'CONTROL_WORK',
  TEST = 'TEST',
  DICTATION = 'DICTATION',
  ESSAY = 'ESSAY',
  SUMMARY = 'SUMMARY',
  PRACTICAL = 'PRACTICAL',
  LABORATORY = 'LABORATORY',
  ORAL = 'ORAL',
  DIAGNOSTIC = 'DIAGNOSTIC',
  OTHER = 'OTHER',
}
registerEnumType(ControlForm, {
  name: 'ControlForm',
  description: 'Form of control of a control work (R-YEAR-10).',
  valuesConfig: {
    CONTROL_WORK: { description: 'Контрольная работа.' },
    TEST: { description: 'Тест.' },
    DICTATION: { description: 'Диктант.' },
    ESSAY: { description: 'Сочинение.' },
    SUMMARY: { description: 'Изложение.' },
    PRACTICAL: { description: 'Практическая работа.' },
    LABORATORY: { description: 'Лабораторная работа.' },
    ORAL: { description: 'Устный зачёт или опрос.' },
    DIAGNOSTIC: { description: 'Диагностическая или всероссийская проверочная работа.' },
    OTHER: { description: 'Another form; see `title`.' },
  },
});

/** R-YEAR-10: a dated control work of a class or a group (internal quality monitoring). */
@Entity({ tableName: 'control_work' })
@Index({ properties: ['school', 'date'] })
@Index({ properties: ['schoolClass', 'date'] })
@Index({ properties: ['group', 'date'] })
@ObjectType({ implements: Node, description: 'A scheduled control work of a class or group in a subject, with its form of control (R-YEAR-10).' })
export class ControlWork extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => AcademicYear, { ref: true })
  academicYear!: Ref<AcademicYear>;

  @Field(() => LocalDateResolver, { description: 'The day of the control work.' })
  @Property({ type: 'date' })
  date!: string;

  @Field(() => Int, { nullable: true, description: 'The lesson number, when fixed.' })
  @Property({ type: 'smallint', nullable: true })
  lessonNumber?: number | null;

  @ManyToOne(() => Subject, { ref: true })
  subject!: Ref<Subject>;

  /** Exactly one of schoolClass and group is set. */
  @ManyToOne(() => SchoolClass, { ref: true, nullable: true, deleteRule: 'no action' })
  schoolClass?: Ref<SchoolClass> | null;

  @ManyToOne(() => StudyGroup, { ref: true, nullable: true, deleteRule: 'no action' })
  group?: Ref<StudyGroup> | null;

  @Field(() => ControlForm, { description: 'Form of control.' })
  @Enum({ items: () => ControlForm, nativeEnumName: 'control_form' })
  form!: ControlForm;

  @Field(() => String, { nullable: true, description: 'What it covers, e.g. "Дроби".' })
  @Property({ type: 'text', nullable: true })
  title?: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was cancelled; null while scheduled.' })
  @Property({ type: 'timestamptz', nullable: true })
  cancelledAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'Why it was cancelled.' })
  @Property({ type: 'text', nullable: true })
  cancelReason?: string | null;
}
