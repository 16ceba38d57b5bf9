import type { TestApp, HttpClient, GqlResult } from './app';

/** Who runs an operation in the role × operation matrix. */
export const ACTORS = ['anonymous', 'admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent', 'analyst'] as const;
export type Actor = (typeof ACTORS)[number];

export const STAFF_ADMIN: Actor[] = ['admin', 'director', 'deputy'];
export const EVERY_USER: Actor[] = ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent', 'analyst'];

export interface MatrixEnv {
  app: TestApp;
  /** the demo school's global ID */
  schoolId: string;
  /** a fresh, unique suffix for names created by this call */
  unique: string;
  actor: Actor;
  client: HttpClient;
}

/** One operation of the matrix: who may run it (the rest must be refused by the permission layer). */
export interface MatrixOp {
  /** `Query.x` / `Mutation.x`: the root field proven */
  field: string;
  requirement: string;
  document: string;
  variables?: (env: MatrixEnv) => Promise<Record<string, unknown>> | Record<string, unknown>;
  allowed: readonly Actor[];
  /** allowed by the permission layer, but the record is not theirs to see: NOT_FOUND (R-SEC-3) */
  hidden?: readonly Actor[];
  /** logs the actor in afresh for this operation (it ends or changes the session) */
  freshSession?: boolean;
  /** runs after the call, e.g. to restore what it changed for the calls that follow */
  after?: (env: MatrixEnv) => Promise<void>;
  /** an allowed call must return this (default: no errors and, for mutations, no userErrors) */
  check?: (r: GqlResult, env: MatrixEnv) => void;
}

export const DENIED_CODES = ['FORBIDDEN', 'UNAUTHENTICATED'];
