import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { Payload } from './user-error';
import { ConnectionType } from './connection';
import { Room, Subject, SubjectComponent } from '../entities/subject.entity';
import { Staff } from '../entities/staff.entity';
import { Role } from '../entities/user.entity';

// Update inputs: an omitted (or null) field keeps its value, unless the field says otherwise.

@InputType({ description: 'Input of `subjectCreate`.' })
export class SubjectCreateInput {
  @Field(() => ID, { description: 'The school.' })
  schoolId!: string;

  @Field(() => String, { description: 'Full name, unique within the school (case-insensitive), e.g. "Математика".' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Short name for timetables, e.g. "Матем."' })
  shortName?: string | null;

  @Field(() => SubjectComponent, { description: 'Federal curriculum or school component.' })
  component!: SubjectComponent;
}

@InputType({ description: 'Input of `subjectUpdate`.' })
export class SubjectUpdateInput {
  @Field(() => ID, { description: 'The subject.' })
  subjectId!: string;

  @Field(() => String, { nullable: true, description: 'New name; omitted = unchanged.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'New short name; omitted = unchanged, empty = none.' })
  shortName?: string | null;

  @Field(() => SubjectComponent, { nullable: true, description: 'New component; omitted = unchanged.' })
  component?: SubjectComponent | null;
}

@InputType({ description: 'Input of `subjectArchive`.' })
export class SubjectArchiveInput {
  @Field(() => ID, { description: 'The subject; it keeps its history but is no longer offered for new plans and assignments.' })
  subjectId!: string;
}

@ObjectType({ description: 'Result of `subjectCreate`, `subjectUpdate` and `subjectArchive`.' })
export class SubjectPayload extends Payload {
  @Field(() => Subject, { nullable: true, description: 'The subject; null when nothing was changed.' })
  subject?: Subject | null;
}

@InputType({ description: 'Input of `roomCreate`.' })
export class RoomCreateInput {
  @Field(() => ID, { description: 'The school.' })
  schoolId!: string;

  @Field(() => String, { description: 'Name or number, unique within the school (case-insensitive), e.g. "214".' })
  name!: string;

  @Field(() => Int, { nullable: true, description: 'Seats (1–1000), if known.' })
  capacity?: number | null;
}

@InputType({ description: 'Input of `roomUpdate`.' })
export class RoomUpdateInput {
  @Field(() => ID, { description: 'The room.' })
  roomId!: string;

  @Field(() => String, { nullable: true, description: 'New name; omitted = unchanged.' })
  name?: string | null;

  @Field(() => Int, { nullable: true, description: 'New number of seats (1–1000); omitted = unchanged.' })
  capacity?: number | null;
}

@InputType({ description: 'Input of `roomArchive`.' })
export class RoomArchiveInput {
  @Field(() => ID, { description: 'The room; it keeps its history but is no longer offered for new timetables.' })
  roomId!: string;
}

@ObjectType({ description: 'Result of `roomCreate`, `roomUpdate` and `roomArchive`.' })
export class RoomPayload extends Payload {
  @Field(() => Room, { nullable: true, description: 'The room; null when nothing was changed.' })
  room?: Room | null;
}

@InputType({ description: 'Input of `staffCreate`.' })
export class StaffCreateInput {
  @Field(() => ID, { description: 'The school.' })
  schoolId!: string;

  @Field(() => String, { description: 'Login of the new account: 3–50 characters of a–z, 0–9, ".", "_", "-"; stored in lower case, unique.' })
  login!: string;

  @Field(() => String, { description: 'Family name.' })
  lastName!: string;

  @Field(() => String, { description: 'Given name.' })
  firstName!: string;

  @Field(() => String, { nullable: true, description: 'Patronymic, if any.' })
  middleName?: string | null;

  @Field(() => String, { description: 'Position, e.g. "Учитель математики".' })
  position!: string;

  @Field(() => [Role], { description: 'Roles in the school: at least one of TEACHER, DEPUTY, DIRECTOR, ADMIN.' })
  roles!: Role[];
}

@ObjectType({ description: 'Result of `staffCreate`.' })
export class StaffCreatePayload extends Payload {
  @Field(() => Staff, { nullable: true, description: 'The new staff member; null when nothing was created.' })
  staff?: Staff | null;

  @Field(() => String, { nullable: true, description: 'The one-time password of the new account, shown only here and only once; it must be changed at the first login.' })
  oneTimePassword?: string | null;
}

@InputType({ description: 'Input of `staffUpdate`.' })
export class StaffUpdateInput {
  @Field(() => ID, { description: 'The staff member.' })
  staffId!: string;

  @Field(() => String, { nullable: true, description: 'New position; omitted = unchanged.' })
  position?: string | null;

  @Field(() => String, { nullable: true, description: 'New family name; omitted = unchanged.' })
  lastName?: string | null;

  @Field(() => String, { nullable: true, description: 'New given name; omitted = unchanged.' })
  firstName?: string | null;

  @Field(() => String, { nullable: true, description: 'New patronymic; omitted = unchanged, empty = none.' })
  middleName?: string | null;
}

@InputType({ description: 'Input of `staffArchive`.' })
export class StaffArchiveInput {
  @Field(() => ID, { description: 'The staff member who left; their history stays, they get no new assignments.' })
  staffId!: string;
}

@ObjectType({ description: 'Result of `staffUpdate` and `staffArchive`.' })
export class StaffPayload extends Payload {
  @Field(() => Staff, { nullable: true, description: 'The staff member; null when nothing was changed.' })
  staff?: Staff | null;
}

export const StaffConnection = ConnectionType('Staff', Staff, 'A page of staff members, ordered by family name, given name.');
export type StaffConnection = InstanceType<typeof StaffConnection>;
