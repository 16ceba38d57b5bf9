import { Field, ObjectType } from 'type-graphql';
import { Payload } from './user-error';

@ObjectType({ description: 'Result of `socketAuthRenew`.' })
export class SocketAuthRenewPayload extends Payload {
  @Field(() => Date, { nullable: true, description: 'When the socket now closes (4419) unless renewed again: the new access token\'s expiry. Null when the token was refused (see `userErrors`); the socket then keeps its old token and expiry.' })
  accessTokenExpiresAt?: Date | null;
}
