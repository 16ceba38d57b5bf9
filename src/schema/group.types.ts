import { Field, Float, ID, InputType, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Payload } from './user-error';
import { StudyGroup, StudyGroupKind, GroupMembership } from '../entities/study-group.entity';
import { IndividualPlan } from '../entities/individual-plan.entity';

@InputType({ description: 'Input of `studyGroupCreate`.' })
export class StudyGroupCreateInput {
  @Field(() => ID, { description: 'The academic year the group works in.' })
  academicYearId!: string;

  @Field(() => String, { description: 'Name, e.g. "5А английский, гр. 1".' })
  name!: string;

  @Field(() => StudyGroupKind, { description: 'Kind of group; it cannot be changed later.' })
  kind!: StudyGroupKind;

  @Field(() => ID, { nullable: true, description: 'The subject; required for a SUBGROUP, optional otherwise.' })
  subjectId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The class a SUBGROUP divides; required for a SUBGROUP, not allowed for other kinds.' })
  classId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'The classes a STREAM joins: at least two different classes of the same academic year; not allowed for other kinds.' })
  streamClassIds?: string[] | null;
}

@ObjectType({ description: 'Result of `studyGroupCreate`.' })
export class StudyGroupCreatePayload extends Payload {
  @Field(() => StudyGroup, { nullable: true, description: 'The created group; null when nothing was created.' })
  studyGroup?: StudyGroup | null;
}

@InputType({ description: 'Input of `studyGroupUpdate`; an omitted (or null) field keeps its value.' })
export class StudyGroupUpdateInput {
  @Field(() => ID, { description: 'The study group; it must not be archived.' })
  studyGroupId!: string;

  @Field(() => String, { nullable: true, description: 'New name; omitted = unchanged.' })
  name?: string | null;

  @Field(() => ID, { nullable: true, description: 'New subject; omitted = unchanged. The subject of a SUBGROUP with current members cannot change.' })
  subjectId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'New classes of a STREAM (at least two of the same academic year); omitted = unchanged.' })
  streamClassIds?: string[] | null;
}

@ObjectType({ description: 'Result of `studyGroupUpdate`.' })
export class StudyGroupUpdatePayload extends Payload {
  @Field(() => StudyGroup, { nullable: true, description: 'The updated group; null when nothing was changed.' })
  studyGroup?: StudyGroup | null;
}

@InputType({ description: 'Input of `studyGroupArchive`.' })
export class StudyGroupArchiveInput {
  @Field(() => ID, { description: 'The study group; its membership history stays.' })
  studyGroupId!: string;
}

@ObjectType({ description: 'Result of `studyGroupArchive`.' })
export class StudyGroupArchivePayload extends Payload {
  @Field(() => StudyGroup, { nullable: true, description: 'The archived group; null when nothing was changed.' })
  studyGroup?: StudyGroup | null;
}

@InputType({ description: 'Input of `groupMemberAdd`.' })
export class GroupMemberAddInput {
  @Field(() => ID, { description: 'The study group; it must not be archived.' })
  groupId!: string;

  @Field(() => ID, { description: 'The student. For a SUBGROUP they must be in its class on `fromDate`; for a STREAM in one of its classes; otherwise in a class of the group\'s academic year.' })
  studentId!: string;

  @Field(() => LocalDateResolver, { description: 'First day in the group, inside the academic year.' })
  fromDate!: string;
}

@ObjectType({ description: 'Result of `groupMemberAdd`.' })
export class GroupMemberAddPayload extends Payload {
  @Field(() => GroupMembership, { nullable: true, description: 'The new membership; null when nothing was changed.' })
  membership?: GroupMembership | null;
}

@InputType({ description: 'Input of `groupMemberRemove`.' })
export class GroupMemberRemoveInput {
  @Field(() => ID, { description: 'The study group.' })
  groupId!: string;

  @Field(() => ID, { description: 'The student; they must be a current member.' })
  studentId!: string;

  @Field(() => LocalDateResolver, { description: 'Last day in the group (inclusive): on or after the first day, inside the academic year. The row is closed, never deleted.' })
  toDate!: string;
}

@ObjectType({ description: 'Result of `groupMemberRemove`.' })
export class GroupMemberRemovePayload extends Payload {
  @Field(() => GroupMembership, { nullable: true, description: 'The closed membership; null when nothing was changed.' })
  membership?: GroupMembership | null;
}

@InputType({ description: 'A subject of an individual plan.' })
export class IndividualPlanSubjectInput {
  @Field(() => ID, { description: 'The subject, each at most once per plan.' })
  subjectId!: string;

  @Field(() => Float, { description: 'Hours per week, more than 0 and at most 40, in steps of 0.5.' })
  hoursPerWeek!: number;
}

@InputType({ description: 'Input of `individualPlanSet`.' })
export class IndividualPlanSetInput {
  @Field(() => ID, { description: 'The student.' })
  studentId!: string;

  @Field(() => ID, { description: 'The academic year of the plan.' })
  academicYearId!: string;

  @Field(() => String, { description: 'Why the student learns by an individual plan (e.g. a medical recommendation, a PMPK conclusion).' })
  reason!: string;

  @Field(() => [IndividualPlanSubjectInput], { description: 'The complete list of subjects; it replaces the previous one. At least one.' })
  subjects!: IndividualPlanSubjectInput[];
}

@ObjectType({ description: 'Result of `individualPlanSet`.' })
export class IndividualPlanSetPayload extends Payload {
  @Field(() => IndividualPlan, { nullable: true, description: 'The plan as set; null when nothing was changed.' })
  individualPlan?: IndividualPlan | null;
}

@InputType({ description: 'Input of `individualPlanRemove`.' })
export class IndividualPlanRemoveInput {
  @Field(() => ID, { description: 'The student.' })
  studentId!: string;

  @Field(() => ID, { description: 'The academic year of the plan.' })
  academicYearId!: string;
}

@ObjectType({ description: 'Result of `individualPlanRemove`.' })
export class IndividualPlanRemovePayload extends Payload {
  @Field(() => ID, { nullable: true, description: 'ID of the removed plan; null when nothing was removed.' })
  deletedIndividualPlanId?: string | null;
}
