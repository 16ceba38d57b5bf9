import { Field, InputType, ObjectType } from 'type-graphql';
import { MaxLength, MinLength } from 'class-validator';
import { Payload } from './user-error';
import { User } from '../entities/user.entity';

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
