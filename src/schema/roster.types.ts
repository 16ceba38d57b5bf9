import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { LocalDateResolver } from 'graphql-scalars';
import { Payload } from './user-error';
import { SchoolClass } from '../entities/school-class.entity';
import { Guardian, GuardianKind, Sex, Student, StudentGuardian } from '../entities/student.entity';

// Update inputs: an omitted field keeps its value; null clears a nullable one.

@InputType({ description: 'Input of `classCreate`.' })
export class ClassCreateInput {
  @Field(() => ID, { description: 'The academic year the class belongs to.' })
  academicYearId!: string;

  @Field(() => Int, { description: 'Grade level, 1–11.' })
  grade!: number;

  @Field(() => String, { description: 'Letter, e.g. "А"; grade and letter are unique within the year.' })
  letter!: string;

  @Field(() => String, { nullable: true, description: 'Profile of the class (science, humanities …), mostly for grades 10–11.' })
  profile?: string | null;

  @Field(() => ID, { nullable: true, description: 'The class teacher: a Staff member of the same school.' })
  classTeacherId?: string | null;
}

@ObjectType({ description: 'Result of `classCreate`.' })
export class ClassCreatePayload extends Payload {
  @Field(() => SchoolClass, { nullable: true, description: 'The created class; null when nothing was created.' })
  schoolClass?: SchoolClass | null;
}

@InputType({ description: 'Input of `classUpdate`.' })
export class ClassUpdateInput {
  @Field(() => ID, { description: 'The class.' })
  classId!: string;

  @Field(() => Int, { nullable: true, description: 'New grade level, 1–11; omitted = unchanged.' })
  grade?: number | null;

  @Field(() => String, { nullable: true, description: 'New letter; omitted = unchanged.' })
  letter?: string | null;

  @Field(() => String, { nullable: true, description: 'New profile; omitted = unchanged, null = none.' })
  profile?: string | null;

  @Field(() => ID, { nullable: true, description: 'New class teacher (Staff); omitted = unchanged, null = none.' })
  classTeacherId?: string | null;
}

@ObjectType({ description: 'Result of `classUpdate`.' })
export class ClassUpdatePayload extends Payload {
  @Field(() => SchoolClass, { nullable: true, description: 'The updated class; null when nothing was changed.' })
  schoolClass?: SchoolClass | null;
}

/** The personal-data fields of studentCreate and studentUpdate (R-SEC-4: only with consent). */
@InputType({ description: 'Personal data of a student.' })
class StudentPersonalDataInput {
  @Field(() => String, { nullable: true, description: 'Family name (personal data: only with consent).' })
  lastName?: string | null;

  @Field(() => String, { nullable: true, description: 'Given name (personal data: only with consent).' })
  firstName?: string | null;

  @Field(() => String, { nullable: true, description: 'Patronymic (personal data: only with consent).' })
  middleName?: string | null;

  @Field(() => LocalDateResolver, { nullable: true, description: 'Birth date, not in the future (personal data: only with consent).' })
  birthDate?: string | null;

  @Field(() => Sex, { nullable: true, description: 'Sex (personal data: only with consent).' })
  sex?: Sex | null;

  @Field(() => String, { nullable: true, description: 'Number in the alphabetical book of students (personal data: only with consent).' })
  enrolmentNumber?: string | null;

  @Field(() => String, { nullable: true, description: 'Phone (personal data: only with consent).' })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: 'E-mail (personal data: only with consent).' })
  email?: string | null;
}

@InputType({ description: 'Input of `studentCreate`. A new student has no registered consent yet, so personal data given here are refused with NO_CONSENT.' })
export class StudentCreateInput extends StudentPersonalDataInput {
  @Field(() => ID, { description: 'The school; the pseudonym is numbered per school.' })
  schoolId!: string;
}

@ObjectType({ description: 'Result of `studentCreate`.' })
export class StudentCreatePayload extends Payload {
  @Field(() => Student, { nullable: true, description: 'The created student; null when nothing was created.' })
  student?: Student | null;
}

@InputType({ description: 'Input of `studentUpdate`: omitted = unchanged, null = cleared.' })
export class StudentUpdateInput extends StudentPersonalDataInput {
  @Field(() => ID, { description: 'The student.' })
  studentId!: string;
}

@ObjectType({ description: 'Result of `studentUpdate`.' })
export class StudentUpdatePayload extends Payload {
  @Field(() => Student, { nullable: true, description: 'The updated student; null when nothing was changed.' })
  student?: Student | null;
}

@InputType({ description: 'Input of `guardianCreate`: creates a guardian and links them to a student.' })
export class GuardianCreateInput {
  @Field(() => ID, { description: 'The student the guardian represents.' })
  studentId!: string;

  @Field(() => GuardianKind, { description: 'Relation to the student.' })
  kind!: GuardianKind;

  @Field(() => String, { description: 'Family name.' })
  lastName!: string;

  @Field(() => String, { description: 'Given name.' })
  firstName!: string;

  @Field(() => String, { nullable: true, description: 'Patronymic, if any.' })
  middleName?: string | null;

  @Field(() => String, { nullable: true, description: 'Phone.' })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: 'E-mail.' })
  email?: string | null;
}

@ObjectType({ description: 'Result of `guardianCreate`.' })
export class GuardianCreatePayload extends Payload {
  @Field(() => Guardian, { nullable: true, description: 'The created guardian; null when nothing was created.' })
  guardian?: Guardian | null;

  @Field(() => StudentGuardian, { nullable: true, description: 'The link to the student.' })
  link?: StudentGuardian | null;
}

@InputType({ description: 'Input of `guardianUpdate`: omitted = unchanged, null = cleared (names cannot be cleared).' })
export class GuardianUpdateInput {
  @Field(() => ID, { description: 'The guardian.' })
  guardianId!: string;

  @Field(() => String, { nullable: true, description: 'New family name.' })
  lastName?: string | null;

  @Field(() => String, { nullable: true, description: 'New given name.' })
  firstName?: string | null;

  @Field(() => String, { nullable: true, description: 'New patronymic.' })
  middleName?: string | null;

  @Field(() => String, { nullable: true, description: 'New phone.' })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: 'New e-mail.' })
  email?: string | null;
}

@ObjectType({ description: 'Result of `guardianUpdate`.' })
export class GuardianUpdatePayload extends Payload {
  @Field(() => Guardian, { nullable: true, description: 'The updated guardian; null when nothing was changed.' })
  guardian?: Guardian | null;
}

@InputType({ description: 'Input of `guardianLink`.' })
export class GuardianLinkInput {
  @Field(() => ID, { description: 'The student.' })
  studentId!: string;

  @Field(() => ID, { description: 'The guardian, of the same school.' })
  guardianId!: string;

  @Field(() => GuardianKind, { description: 'Relation to the student.' })
  kind!: GuardianKind;
}

@ObjectType({ description: 'Result of `guardianLink`.' })
export class GuardianLinkPayload extends Payload {
  @Field(() => StudentGuardian, { nullable: true, description: 'The new link; null when nothing was changed.' })
  link?: StudentGuardian | null;
}

@InputType({ description: 'Input of `guardianUnlink`.' })
export class GuardianUnlinkInput {
  @Field(() => ID, { description: 'The student.' })
  studentId!: string;

  @Field(() => ID, { description: 'The guardian currently linked to the student.' })
  guardianId!: string;
}

@ObjectType({ description: 'Result of `guardianUnlink`: the link is kept with `removedAt` set.' })
export class GuardianUnlinkPayload extends Payload {
  @Field(() => StudentGuardian, { nullable: true, description: 'The removed link; null when nothing was changed.' })
  link?: StudentGuardian | null;
}

export enum CredentialHolder {
  STUDENT = 'STUDENT',
  GUARDIAN = 'GUARDIAN',
}
registerEnumType(CredentialHolder, { name: 'CredentialHolder', description: 'Whose credentials a row is about.' });

@InputType({ description: 'Input of `credentialsIssue`: exactly one of `studentId` and `guardianId`.' })
export class CredentialsIssueInput {
  @Field(() => ID, { nullable: true, description: 'The student to get a diary account (requires consent GIVEN).' })
  studentId?: string | null;

  @Field(() => ID, { nullable: true, description: 'The guardian to get a parent account.' })
  guardianId?: string | null;
}

@ObjectType({ description: 'Credentials issued once: the one-time password is never shown again (R-SEC-1).' })
export class IssuedCredentials {
  @Field(() => CredentialHolder, { description: 'Student or guardian.' })
  holder!: CredentialHolder;

  @Field(() => ID, { description: 'Global ID of the student or guardian.' })
  holderId!: string;

  @Field(() => String, { description: 'Full name of the account holder.' })
  name!: string;

  @Field(() => String, { description: 'Login of the new account.' })
  login!: string;

  @Field(() => String, { description: 'One-time password; it must be changed at the first login.' })
  oneTimePassword!: string;
}

@ObjectType({ description: 'Result of `credentialsIssue`.' })
export class CredentialsIssuePayload extends Payload {
  @Field(() => IssuedCredentials, { nullable: true, description: 'The new credentials; null when nothing was issued.' })
  credentials?: IssuedCredentials | null;
}

@InputType({ description: 'Input of `classCredentialsIssue`.' })
export class ClassCredentialsIssueInput {
  @Field(() => ID, { description: 'The class: its current students with consent and their current guardians get accounts, where they have none.' })
  classId!: string;
}

@ObjectType({ description: 'Result of `classCredentialsIssue`: the rows to print once.' })
export class ClassCredentialsIssuePayload extends Payload {
  @Field(() => [IssuedCredentials], { description: 'Credentials issued by this call (empty when everybody had an account already).' })
  issued: IssuedCredentials[] = [];
}

@ObjectType({ description: 'One row of a class credentials sheet: whether a student or guardian has an account, and its login (never a password).' })
export class CredentialsSheetRow {
  @Field(() => CredentialHolder, { description: 'Student or guardian.' })
  holder!: CredentialHolder;

  @Field(() => ID, { description: 'Global ID of the student or guardian.' })
  holderId!: string;

  @Field(() => String, { description: 'Pseudonym of the student (for a guardian: of their child in the class).' })
  studentPseudonym!: string;

  @Field(() => String, { nullable: true, description: 'Full name; null without consent or after erasure.' })
  name?: string | null;

  @Field(() => Boolean, { description: 'An account exists.' })
  hasAccount!: boolean;

  @Field(() => String, { nullable: true, description: 'Login of the account, if any.' })
  login?: string | null;

  @Field(() => Boolean, { description: 'An account can be issued now (no account; for a student consent GIVEN; names known).' })
  canIssue!: boolean;
}

export { SchoolClass, Student, Guardian, StudentGuardian };
