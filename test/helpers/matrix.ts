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
  /** allowed, but these fields (last path element) are personal data the actor may not read: null with FORBIDDEN (R-ROLE-8) */
  withheld?: { actors: readonly Actor[]; fields: readonly string[] };
  /** logs the actor in afresh for this operation (it ends or changes the session) */
  freshSession?: boolean;
  /** runs after the call, e.g. to restore what it changed for the calls that follow */
  after?: (env: MatrixEnv) => Promise<void>;
  /** sent over graphql-ws on the actor's own socket instead of HTTP (an operation on the socket itself) */
  overWebSocket?: boolean;
  /** a mutation that changes no data, so leaves no audit entry (R-SEC-5 audits changes of data) */
  changesNoData?: boolean;
  /** an allowed call must return this (default: no errors and, for mutations, no userErrors) */
  check?: (r: GqlResult, env: MatrixEnv) => void;
}

export const DENIED_CODES = ['FORBIDDEN', 'UNAUTHENTICATED'];

/** The personal data of the demo school an actor must never receive (R-ROLE-8): values to scan responses for. */
export interface PersonalDataScan {
  /** names, logins, birth dates, phones and e-mails (of 3 characters or more) */
  values: string[];
}

/**
 * Every name, login, birth date, phone and e-mail of the school's people (students, guardians,
 * staff and other accounts) except those of `ownLogin`'s own account, read from the database now.
 * Role-account logins that are ordinary words of the API ("teacher", "parent") are left out: their
 * owners' names are scanned all the same.
 */
export async function personalDataOf(app: TestApp, ownLogin: string): Promise<PersonalDataScan> {
  const rows = await app.sql(`
    select unnest(array[s.last_name, s.first_name, s.middle_name, to_char(s.birth_date, 'YYYY-MM-DD'), s.phone, s.email]) as v from student s
    union all select unnest(array[g.last_name, g.first_name, g.middle_name, g.phone, g.email]) from guardian g
    union all select unnest(array[u.last_name, u.first_name, u.middle_name, u.login]) from app_user u where u.login <> $1`, [ownLogin]);
  const own = await app.sql(`select unnest(array[last_name, first_name, middle_name, login]) as v from app_user where login = $1`, [ownLogin]);
  const mine = new Set(own.map((r: { v: string | null }) => r.v).filter(Boolean));
  const values = new Set<string>();
  for (const { v } of rows as { v: string | null }[]) {
    if (!v || v.length < 3 || mine.has(v) || API_WORDS.includes(v)) continue;
    values.add(v);
  }
  return { values: [...values] };
}

/** Demo role-account logins that are also words of the API's own messages. */
const API_WORDS = ['admin', 'director', 'deputy', 'teacher', 'classteacher', 'student', 'parent', 'analyst'];

/** The personal data found in a response (whole words only: "Иванов" is not found in "Ивановка"). */
export function personalDataIn(response: unknown, scan: PersonalDataScan): string[] {
  const text = JSON.stringify(response);
  return scan.values.filter((v) => {
    let i = text.indexOf(v);
    while (i >= 0) {
      const before = text[i - 1] ?? ' ';
      const after = text[i + v.length] ?? ' ';
      if (!/[\p{L}\p{N}]/u.test(before) && !/[\p{L}\p{N}]/u.test(after)) return true;
      i = text.indexOf(v, i + 1);
    }
    return false;
  });
}
