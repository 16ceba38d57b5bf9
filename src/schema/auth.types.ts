import { ArgsType, Field, ID, InputType, ObjectType } from 'type-graphql';
import { MaxLength, MinLength } from 'class-validator';
import { Payload } from './user-error';
import { ConnectionType } from './connection';
import { Role, User } from '../entities/user.entity';

@InputType({ description: 'Credentials for `login`.' })
export class LoginInput {
  @Field(() => String, { description: 'Login name (case-insensitive).' })
  @MaxLength(100)
  login!: string;

  @Field(() => String, { description: 'Password.' })
  @MaxLength(200)
  password!: string;
}

@ObjectType({ description: 'Result of `login` and `tokenRefresh`.' })
export class AuthPayload extends Payload {
  @Field(() => String, { nullable: true, description: 'Short-lived bearer token for `Authorization: Bearer …` (HTTP) or `connectionParams.authorization` (WebSocket).' })
  accessToken?: string | null;

  @Field(() => Date, { nullable: true, description: 'When the access token expires.' })
  accessTokenExpiresAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'Single-use token for `tokenRefresh`; each refresh returns a new one. Reusing an old one ends the whole session.' })
  refreshToken?: string | null;

  @Field(() => Date, { nullable: true, description: 'When the refresh token expires.' })
  refreshTokenExpiresAt?: Date | null;

  @Field(() => User, { nullable: true, description: 'The logged-in user.' })
  user?: User | null;
}

@InputType({ description: 'Input of `tokenRefresh`.' })
export class TokenRefreshInput {
  @Field(() => String, { description: 'The latest refresh token of the session.' })
  @MinLength(1)
  @MaxLength(200)
  refreshToken!: string;
}

@ObjectType({ description: 'Result of `logout`.' })
export class LogoutPayload extends Payload {
  @Field(() => Boolean, { description: 'The session has ended: its access and refresh tokens no longer work and its open WebSockets are closed.' })
  loggedOut: boolean = false;
}

@InputType({ description: 'Input of `passwordChange`.' })
export class PasswordChangeInput {
  @Field(() => String, { description: 'The current password (or the one-time password issued by the school).' })
  @MaxLength(200)
  currentPassword!: string;

  // Length is a password-policy rule reported as WEAK_PASSWORD; this only bounds the request.
  @Field(() => String, { description: 'The new password: 8–200 characters, different from the current password and from the login.' })
  @MaxLength(1000)
  newPassword!: string;
}

@ObjectType({ description: 'Result of `passwordChange`.' })
export class PasswordChangePayload extends Payload {
  @Field(() => User, { nullable: true, description: 'The user whose password was changed; null on failure.' })
  user?: User | null;
}

@InputType({ description: 'Input of `passwordReset`.' })
export class PasswordResetInput {
  @Field(() => ID, { description: 'The user whose password is reset.' })
  userId!: string;
}

@ObjectType({ description: 'Result of `passwordReset`.' })
export class PasswordResetPayload extends Payload {
  @Field(() => User, { nullable: true, description: 'The user whose password was reset; null on failure.' })
  user?: User | null;

  @Field(() => String, { nullable: true, description: 'The one-time password to hand to the user, shown only here and only once. The user must change it at the first login.' })
  oneTimePassword?: string | null;
}

@InputType({ description: 'Input of `userBlock`.' })
export class UserBlockInput {
  @Field(() => ID, { description: 'The user to block.' })
  userId!: string;

  @Field(() => String, { description: 'Why the account is blocked (e.g. "credentials reported leaked on 2025-10-01"), 1–500 characters; kept with the account and in the audit trail.' })
  @MaxLength(2000)
  reason!: string;
}

@ObjectType({ description: 'Result of `userBlock`.' })
export class UserBlockPayload extends Payload {
  @Field(() => User, { nullable: true, description: 'The blocked user; null on failure.' })
  user?: User | null;
}

@InputType({ description: 'Input of `userUnblock`.' })
export class UserUnblockInput {
  @Field(() => ID, { description: 'The user to unblock.' })
  userId!: string;
}

@ObjectType({ description: 'Result of `userUnblock`.' })
export class UserUnblockPayload extends Payload {
  @Field(() => User, { nullable: true, description: 'The unblocked user; null on failure.' })
  user?: User | null;
}

/** Relay connection of users, ordered by family name, given name. */
export const UserConnection = ConnectionType('User', User, 'A page of users, ordered by family name, given name.');
export type UserConnection = InstanceType<typeof UserConnection>;

@ArgsType()
export class UsersArgs {
  @Field(() => ID, { description: 'The school.' })
  schoolId!: string;

  @Field(() => Role, { nullable: true, description: 'Only users holding this role in the school.' })
  role?: Role | null;

  @Field(() => String, { nullable: true, description: 'Words that must each occur in the family, given or middle name or the login (case-insensitive).' })
  @MaxLength(100)
  search?: string | null;
}
