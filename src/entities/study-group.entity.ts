import { Entity, Enum, Index, ManyToOne, Property, type Ref } from '@mikro-orm/core';
import { ArrayType } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Node } from '../schema/node';
import { School } from './school.entity';
import { AcademicYear } from './academic-year.entity';
import { SchoolClass } from './school-class.entity';
import { Subject } from './subject.entity';
import { Student } from './student.entity';

export enum StudyGroupKind {
  SUBGROUP = 'SUBGROUP',
  ELECTIVE = 'ELECTIVE',
  CLUB = 'CLUB',
  PROFILE = 'PROFILE',
  PROJECT = 'PROJECT',
  STREAM = 'STREAM',
}
registerEnumType(StudyGroupKind, {
  name: 'StudyGroupKind',
  description: 'Kind of study group (R-YEAR-4).',
  valuesConfig: {
    SUBGROUP: { description: 'Part of one class for a subject (e.g. an English subgroup); a student is in one subgroup per subject.' },
    ELECTIVE: { description: 'Elective course, possibly across classes.' },
    CLUB: { description: 'Club (кружок), possibly across classes.' },
    PROFILE: { description: 'Profile group across classes.' },
    PROJECT: { description: 'Project group.' },
    STREAM: { description: 'Stream (учебный поток): several classes together, possibly more than 30 students.' },
  },
});

@Entity({ tableName: 'study_group' })
@Index({ properties: ['school'] })
@Index({ properties: ['schoolClass'] })
@ObjectType({ implements: Node, description: 'A study group: a subgroup of a class, a cross-class group or a stream (R-YEAR-4).' })
export class StudyGroup extends Node {
  @ManyToOne(() => School, { ref: true })
  school!: Ref<School>;

  @ManyToOne(() => AcademicYear, { ref: true })
  academicYear!: Ref<AcademicYear>;

  @Field(() => String, { description: 'Name, e.g. "5А английский, гр. 1".' })
  @Property({ type: 'text' })
  name!: string;

  @Field(() => StudyGroupKind, { description: 'Kind of group.' })
  @Enum({ items: () => StudyGroupKind, nativeEnumName: 'study_group_kind' })
  kind!: StudyGroupKind;

  /** The subject the group is for (required for subgroups). */
  @ManyToOne(() => Subject, { ref: true, nullable: true, deleteRule: 'no action' })
  subject?: Ref<Subject> | null;

  /** The class a subgroup belongs to; null for cross-class groups and streams. */
  @ManyToOne(() => SchoolClass, { ref: true, nullable: true, deleteRule: 'no action' })
  schoolClass?: Ref<SchoolClass> | null;

  /** Classes a stream joins (ids of school_class). */
  @Property({ type: new ArrayType((i) => String(i)), columnType: 'uuid[]', nullable: true })
  streamClassIds?: string[] | null;

  @Field(() => Date, { nullable: true, description: 'When the group was archived.' })
  @Property({ type: 'timestamptz', nullable: true })
  archivedAt?: Date | null;
}

/** A student's membership of a study group over dates: history is kept. */
@Entity({ tableName: 'group_membership' })
@Index({ properties: ['group', 'fromDate'] })
@Index({ properties: ['student', 'fromDate'] })
@ObjectType({ implements: Node, description: 'A student in a study group from one date to another (inclusive; open-ended while current).' })
export class GroupMembership extends Node {
  @ManyToOne(() => StudyGroup, { ref: true })
  group!: Ref<StudyGroup>;

  @ManyToOne(() => Student, { ref: true })
  student!: Ref<Student>;

  @Field(() => LocalDateResolver, { description: 'First day in the group.' })
  @Property({ type: 'date' })
  fromDate!: string;

  @Field(() => LocalDateResolver, { nullable: true, description: 'Last day in the group; null while current.' })
  @Property({ type: 'date', nullable: true })
  toDate?: string | null;
}
