import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Payload } from './user-error';
import { ClassMembership } from '../entities/student.entity';
import { GroupMembership } from '../entities/study-group.entity';

@InputType({ description: 'Input of `studentEnrol`.' })
export class StudentEnrolInput {
  @Field(() => ID, { description: 'The student; they must not be in a class now.' })
  studentId!: string;

  @Field(() => ID, { description: 'The class the student joins.' })
  classId!: string;

  @Field(() => LocalDateResolver, { description: 'First day in the class, inside its academic year and after any earlier membership.' })
  fromDate!: string;
}

@ObjectType({ description: 'Result of `studentEnrol`.' })
export class StudentEnrolPayload extends Payload {
  @Field(() => ClassMembership, { nullable: true, description: 'The new class membership; null when nothing was changed.' })
  membership?: ClassMembership | null;
}

@InputType({ description: 'Input of `studentTransfer`.' })
export class StudentTransferInput {
  @Field(() => ID, { description: 'The student; they must be in a class now.' })
  studentId!: string;

  @Field(() => ID, { description: 'The class the student moves to, of the same school and academic year.' })
  toClassId!: string;

  @Field(() => LocalDateResolver, { description: 'First day in the new class; the old membership ends the day before. After the first day in the old class, inside the academic year.' })
  date!: string;
}

@ObjectType({ description: 'Result of `studentTransfer`.' })
export class StudentTransferPayload extends Payload {
  @Field(() => ClassMembership, { nullable: true, description: 'The closed membership of the old class; its history stays with that class.' })
  previousMembership?: ClassMembership | null;

  @Field(() => ClassMembership, { nullable: true, description: 'The new class membership; null when nothing was changed.' })
  membership?: ClassMembership | null;

  @Field(() => [GroupMembership], { nullable: true, description: 'Group memberships tied to the old class (its subgroups, streams the new class is not in) closed the day before.' })
  closedGroupMemberships?: GroupMembership[] | null;
}

@InputType({ description: 'Input of `studentLeave`.' })
export class StudentLeaveInput {
  @Field(() => ID, { description: 'The student; they must be in a class now.' })
  studentId!: string;

  @Field(() => LocalDateResolver, { description: 'Last day at the school: on or after the first day in the current class, inside the academic year, not in the future.' })
  date!: string;

  @Field(() => String, { description: 'Why the student leaves (e.g. "переезд", "перевод в другую школу").' })
  reason!: string;
}

@ObjectType({ description: 'Result of `studentLeave`.' })
export class StudentLeavePayload extends Payload {
  @Field(() => ClassMembership, { nullable: true, description: 'The closed class membership; null when nothing was changed.' })
  membership?: ClassMembership | null;

  @Field(() => [GroupMembership], { nullable: true, description: 'The group memberships closed on the same day.' })
  closedGroupMemberships?: GroupMembership[] | null;

  @Field(() => [ID], { nullable: true, description: 'Accounts blocked because their diary service ended (R-SEC-8): the student\'s, and those of guardians with no other enrolled child.' })
  blockedUserIds?: string[] | null;
}
