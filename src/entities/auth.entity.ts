import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { User } from './user.entity';

/**
 * A login session = one refresh-token family. Revoking it kills every token issued in it
 * (logout, refresh-token reuse, account block).
 */
@Entity({ tableName: 'auth_session' })
export class AuthSession {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @ManyToOne(() => User, { ref: true })
  @Index()
  user!: Ref<User>;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'text', nullable: true })
  ip?: string | null;

  @Property({ type: 'text', nullable: true })
  userAgent?: string | null;

  @Property({ type: 'timestamptz', nullable: true })
  lastRefreshedAt?: Date | null;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt?: Date | null;

  @Property({ type: 'text', nullable: true })
  revokedReason?: string | null;
}

export enum TokenKind {
  ACCESS = 'ACCESS',
  REFRESH = 'REFRESH',
}

/** Tokens are random 256-bit strings; only their SHA-256 is stored. */
@Entity({ tableName: 'auth_token' })
export class AuthToken {
  @PrimaryKey({ type: 'text' })
  hash!: string;

  @ManyToOne(() => AuthSession, { ref: true, deleteRule: 'cascade' })
  @Index()
  session!: Ref<AuthSession>;

  @Enum({ items: () => TokenKind, nativeEnumName: 'token_kind' })
  kind!: TokenKind;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  /** Refresh tokens are single-use: a second use means the token leaked. */
  @Property({ type: 'timestamptz', nullable: true })
  usedAt?: Date | null;
}
