import { Field, ObjectType, registerEnumType } from 'type-graphql';

/** Codes of expected business failures returned in `userErrors`. */
export enum UserErrorCode {
  INVALID = 'INVALID',
  REQUIRED = 'REQUIRED',
  TOO_LONG = 'TOO_LONG',
  TAKEN = 'TAKEN',
  INVALID_CREDENTIALS = 'INVALID_CREDENTIALS',
  ACCOUNT_BLOCKED = 'ACCOUNT_BLOCKED',
  PASSWORD_CHANGE_REQUIRED = 'PASSWORD_CHANGE_REQUIRED',
  WEAK_PASSWORD = 'WEAK_PASSWORD',
  INVALID_REFRESH_TOKEN = 'INVALID_REFRESH_TOKEN',
  REFRESH_TOKEN_REUSED = 'REFRESH_TOKEN_REUSED',
  ALREADY_BLOCKED = 'ALREADY_BLOCKED',
  NOT_BLOCKED = 'NOT_BLOCKED',
  CANNOT_BLOCK_SELF = 'CANNOT_BLOCK_SELF',
  DATE_RANGE_INVALID = 'DATE_RANGE_INVALID',
  OUTSIDE_ACADEMIC_YEAR = 'OUTSIDE_ACADEMIC_YEAR',
  OVERLAPS = 'OVERLAPS',
  GRADE_INVALID = 'GRADE_INVALID',
  DEADLINE_INVALID = 'DEADLINE_INVALID',
  VALUE_IN_USE = 'VALUE_IN_USE',
  IN_USE = 'IN_USE',
  DUPLICATE = 'DUPLICATE',
  ARCHIVED = 'ARCHIVED',
  NO_CONSENT = 'NO_CONSENT',
  NOT_ENROLLED = 'NOT_ENROLLED',
  ALREADY_LEFT = 'ALREADY_LEFT',
  ALREADY_MEMBER = 'ALREADY_MEMBER',
  NOT_MEMBER = 'NOT_MEMBER',
  SUBGROUP_CONFLICT = 'SUBGROUP_CONFLICT',
  DATE_INVALID = 'DATE_INVALID',
  HAS_ACCOUNT = 'HAS_ACCOUNT',
  TEACHER_CONFLICT = 'TEACHER_CONFLICT',
  ROOM_CONFLICT = 'ROOM_CONFLICT',
  CLASS_CONFLICT = 'CLASS_CONFLICT',
  STUDENT_CONFLICT = 'STUDENT_CONFLICT',
  HOLIDAY = 'HOLIDAY',
  OUTSIDE_PERIOD = 'OUTSIDE_PERIOD',
  NO_BELL_SLOT = 'NO_BELL_SLOT',
  NOT_TEACHER = 'NOT_TEACHER',
  LESSON_CANCELLED = 'LESSON_CANCELLED',
  NOT_CANCELLED = 'NOT_CANCELLED',
  NOT_SUBSTITUTED = 'NOT_SUBSTITUTED',
  SAME_TEACHER = 'SAME_TEACHER',
  HAS_JOURNAL_DATA = 'HAS_JOURNAL_DATA',
  RANGE_TOO_LONG = 'RANGE_TOO_LONG',
  INVALID_ACCESS_TOKEN = 'INVALID_ACCESS_TOKEN',
  ACCESS_TOKEN_EXPIRED = 'ACCESS_TOKEN_EXPIRED',
  SESSION_MISMATCH = 'SESSION_MISMATCH',
  NOT_ON_SCALE = 'NOT_ON_SCALE',
  NO_GRADING_SYSTEM = 'NO_GRADING_SYSTEM',
  NOT_IN_LESSON = 'NOT_IN_LESSON',
  NO_CONTROL_WORK = 'NO_CONTROL_WORK',
  CREDIT_WITHOUT_ABSENCE = 'CREDIT_WITHOUT_ABSENCE',
  JOURNAL_CLOSED = 'JOURNAL_CLOSED',
  OUTSIDE_FINAL_MARK_WINDOW = 'OUTSIDE_FINAL_MARK_WINDOW',
  FINAL_MARK_SET = 'FINAL_MARK_SET',
  NOT_CLASS_TEACHER = 'NOT_CLASS_TEACHER',
  NOT_PARTICIPANT = 'NOT_PARTICIPANT',
  REPLIES_CLOSED = 'REPLIES_CLOSED',
}
registerEnumType(UserErrorCode, { name: 'UserErrorCode', description: 'Machine-readable code of a user error.' });

@ObjectType({ description: 'An expected business failure of a mutation: nothing was changed.' })
export class UserError {
  @Field(() => UserErrorCode, { description: 'Machine-readable code.' })
  code!: UserErrorCode;

  @Field(() => [String], { nullable: true, description: 'Path of the input field at fault, e.g. ["input", "endDate"]; null when the error concerns the whole input.' })
  field?: string[] | null;

  @Field(() => String, { description: 'Human-readable explanation, safe to show to the user.' })
  message!: string;
}

export const userError = (code: UserErrorCode, message: string, field?: string[]): UserError =>
  Object.assign(new UserError(), { code, message, field: field ?? null });

/** Thrown inside a service transaction to roll it back and report `userErrors`. */
export class UserErrorsException extends Error {
  constructor(readonly userErrors: UserError[]) {
    super(userErrors.map((e) => e.message).join('; '));
  }
}

/** Base of mutation payloads. */
@ObjectType()
export abstract class Payload {
  @Field(() => [UserError], { description: 'Expected failures; empty on success.' })
  userErrors: UserError[] = [];
}
