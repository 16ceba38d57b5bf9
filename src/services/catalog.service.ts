import type { EntityManager } from '@mikro-orm/postgresql';
import { STAFF_ROLES as STAFF_ROLE_LIST, grantableStaffRoles, rolesOf } from '../permissions/capabilities';
import { lowerSql } from '../db/text';
import type { AppConfig } from '../config';
import type { Ctx } from '../context';
import { School } from '../entities/school.entity';
import { Room, Subject } from '../entities/subject.entity';
import { Staff } from '../entities/staff.entity';
import { Role, RoleAssignment, User } from '../entities/user.entity';
import { fromGlobalId } from '../schema/node';
import { forbidden, notFound } from '../schema/errors';
import { type Connection, decodeCursor, toConnection } from '../schema/connection';
import { UserErrorCode, UserErrorsException, userError } from '../schema/user-error';
import { hashPassword, oneTimePassword } from './auth.service';
import { CatalogProblems } from './catalog-support';
import { type WriteResult, assertMember, assertRole, at, flush, lockRow, write } from './shared';
import { TeachingService } from './teaching.service';
import { announceAuthEvent } from '../subscriptions/connections';
import { clock } from '../clock';
import type {
  RoomArchiveInput, RoomCreateInput, RoomUpdateInput, StaffArchiveInput, StaffCreateInput, StaffUpdateInput,
  SubjectArchiveInput, SubjectCreateInput, SubjectUpdateInput,
} from '../schema/catalog.types';
import { leanRow } from '../db/lean';

/** R-ROLE-1, R-ROLE-3: who keeps the subject and room lists. */
export const CATALOG_MANAGERS: readonly Role[] = rolesOf('canManageYear');
/** R-ROLE-3, R-SEC-10: who creates staff accounts and hands out their credentials. */
export const STAFF_MANAGERS: readonly Role[] = rolesOf('canManageStaff');
/** Roles a staff account may be given (pupils and parents get theirs from the roster). */
export const STAFF_ROLES: readonly Role[] = STAFF_ROLE_LIST;
/** R-ROLE-8: everyone but the analyst sees staff names. */
export const STAFF_READERS: readonly Role[] = rolesOf('canReadStaff');

/** R-SEC-10, R-ROLE-1: a staff manager grants and manages only the staff roles the capability table lets them (a DEPUTY: TEACHER). */
function assertMayGrant(ctx: Ctx, schoolId: string, roles: readonly Role[]): void {
  const grantable = grantableStaffRoles(ctx.viewer, schoolId);
  const beyond = roles.filter((r) => STAFF_ROLES.includes(r) && !grantable.includes(r));
  if (beyond.length) throw forbidden(`Staff with the roles ${[...new Set(beyond)].join(', ')} are managed by the ADMIN; you may manage ${grantable.join(', ')} only`);
}

const LOGIN = /^[a-z0-9._-]{3,50}$/;
const CAPACITY_MAX = 1000;

type CatalogTable = 'subject' | 'room';
const WHAT: Record<CatalogTable, string> = { subject: 'subject', room: 'room' };

/**
 * Subjects, rooms and staff of a school (R-YEAR-3). Every member reads subjects and rooms, every
 * member but the analyst reads staff names and positions; ADMIN and DEPUTY keep subjects and rooms,
 * ADMIN creates staff accounts. Nothing is deleted: archived records keep their history and are not
 * offered for new assignments and plans. Curriculum, teaching load and thematic plans are in `teaching`.
 */
export class CatalogService {
  readonly teaching: TeachingService;

  constructor(private readonly config: AppConfig) {
    this.teaching = new TeachingService(config);
  }

  // ---- reading ----

  async subjects(ctx: Ctx, schoolGlobalId: string, includeArchived: boolean): Promise<Subject[]> {
    const schoolId = fromGlobalId(schoolGlobalId, 'School', 'schoolId');
    assertMember(ctx, schoolId, 'School');
    return ctx.em.find(Subject, { school: schoolId, ...(includeArchived ? {} : { archivedAt: null }) }, { orderBy: { name: 'asc', id: 'asc' } });
  }

  async rooms(ctx: Ctx, schoolGlobalId: string, includeArchived: boolean): Promise<Room[]> {
    const schoolId = fromGlobalId(schoolGlobalId, 'School', 'schoolId');
    assertMember(ctx, schoolId, 'School');
    return ctx.em.find(Room, { school: schoolId, ...(includeArchived ? {} : { archivedAt: null }) }, { orderBy: { name: 'asc', id: 'asc' } });
  }

  /** Staff of a school by family name, given name (keyset pagination). */
  async staffList(ctx: Ctx, schoolGlobalId: string, includeArchived: boolean, first: number, after?: string | null): Promise<Connection<Staff>> {
    const schoolId = fromGlobalId(schoolGlobalId, 'School', 'schoolId');
    assertRole(ctx, STAFF_READERS, schoolId, 'School');
    const isKey = (v: unknown): v is [string, string, string] => Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'string');
    const key = decodeCursor(after, isKey);
    const rows = await ctx.em.execute<(Record<string, unknown> & { last_name: string; first_name: string })[]>(
      `select s.*, u.last_name, u.first_name from staff s join app_user u on u.id = s.user_id
        where s.school_id = ? and (? or s.archived_at is null) ${key ? 'and (u.last_name, u.first_name, s.id) > (?, ?, ?::uuid)' : ''}
        order by u.last_name, u.first_name, s.id limit ?`,
      [schoolId, includeArchived, ...(key ?? []), first + 1]);
    const staff = rows.map((r) => leanRow(Staff, r));
    const keys = new Map(staff.map((s, i) => [s.id, [rows[i].last_name, rows[i].first_name, s.id]]));
    return toConnection(staff, first, (s) => keys.get(s.id));
  }

  /** The account behind a staff member (names come from it). */
  async staffUser(ctx: Ctx, staff: Staff): Promise<User> {
    // Loaded with the staff row (staffById joins it): no second statement.
    if (staff.user.isInitialized()) return staff.user.unwrap();
    const user = await ctx.loaders.userById.load(staff.user.id);
    if (!user) throw notFound('User');
    return user;
  }

  // ---- subjects ----

  async subjectCreate(ctx: Ctx, input: SubjectCreateInput): Promise<WriteResult<{ subject: Subject }>> {
    const schoolId = fromGlobalId(input.schoolId, 'School', 'schoolId');
    assertRole(ctx, CATALOG_MANAGERS, schoolId, 'School');
    return write(ctx, async (em) => {
      // Serialises name checks of the school.
      const school = await lockRow(em, School, 'school', schoolId);
      if (!school) throw notFound('School');
      const p = new CatalogProblems();
      const name = p.text(input.name, at('name'), 'The name');
      const shortName = input.shortName != null ? p.optionalText(input.shortName, at('shortName'), 'The short name', 50) : null;
      if (name) await this.checkName(em, p, 'subject', schoolId, name);
      p.throwIfAny();
      const subject = em.create(Subject, { school, name: name!, shortName: shortName ?? null, component: input.component });
      await flush(em, { unique: () => this.nameTaken('subject', name!) });
      return { subject };
    });
  }

  async subjectUpdate(ctx: Ctx, input: SubjectUpdateInput): Promise<WriteResult<{ subject: Subject }>> {
    const id = fromGlobalId(input.subjectId, 'Subject', 'subjectId');
    return write(ctx, async (em) => {
      const subject = await this.lockOwned(ctx, em, Subject, 'subject', id);
      const p = new CatalogProblems();
      const name = input.name != null ? p.text(input.name, at('name'), 'The name') : undefined;
      const shortName = input.shortName != null ? p.optionalText(input.shortName, at('shortName'), 'The short name', 50) : undefined;
      if (name && name !== subject.name) await this.checkName(em, p, 'subject', subject.school.id, name, id);
      p.throwIfAny();
      if (name) subject.name = name;
      if (shortName !== undefined) subject.shortName = shortName;
      if (input.component != null) subject.component = input.component;
      await flush(em, { unique: () => this.nameTaken('subject', name!) });
      return { subject };
    });
  }

  async subjectArchive(ctx: Ctx, input: SubjectArchiveInput): Promise<WriteResult<{ subject: Subject }>> {
    const id = fromGlobalId(input.subjectId, 'Subject', 'subjectId');
    return write(ctx, async (em) => {
      const subject = await this.lockOwned(ctx, em, Subject, 'subject', id);
      this.archive(subject, `The subject «${subject.name}»`, at('subjectId'));
      await em.flush();
      return { subject };
    });
  }

  // ---- rooms ----

  async roomCreate(ctx: Ctx, input: RoomCreateInput): Promise<WriteResult<{ room: Room }>> {
    const schoolId = fromGlobalId(input.schoolId, 'School', 'schoolId');
    assertRole(ctx, CATALOG_MANAGERS, schoolId, 'School');
    return write(ctx, async (em) => {
      const school = await lockRow(em, School, 'school', schoolId);
      if (!school) throw notFound('School');
      const p = new CatalogProblems();
      const name = p.text(input.name, at('name'), 'The name');
      this.checkCapacity(p, input.capacity);
      if (name) await this.checkName(em, p, 'room', schoolId, name);
      p.throwIfAny();
      const room = em.create(Room, { school, name: name!, capacity: input.capacity ?? null });
      await flush(em, { unique: () => this.nameTaken('room', name!) });
      return { room };
    });
  }

  async roomUpdate(ctx: Ctx, input: RoomUpdateInput): Promise<WriteResult<{ room: Room }>> {
    const id = fromGlobalId(input.roomId, 'Room', 'roomId');
    return write(ctx, async (em) => {
      const room = await this.lockOwned(ctx, em, Room, 'room', id);
      const p = new CatalogProblems();
      const name = input.name != null ? p.text(input.name, at('name'), 'The name') : undefined;
      this.checkCapacity(p, input.capacity);
      if (name && name !== room.name) await this.checkName(em, p, 'room', room.school.id, name, id);
      p.throwIfAny();
      if (name) room.name = name;
      if (input.capacity != null) room.capacity = input.capacity;
      await flush(em, { unique: () => this.nameTaken('room', name!) });
      return { room };
    });
  }

  async roomArchive(ctx: Ctx, input: RoomArchiveInput): Promise<WriteResult<{ room: Room }>> {
    const id = fromGlobalId(input.roomId, 'Room', 'roomId');
    return write(ctx, async (em) => {
      const room = await this.lockOwned(ctx, em, Room, 'room', id);
      this.archive(room, `The room «${room.name}»`, at('roomId'));
      await em.flush();
      return { room };
    });
  }

  // ---- staff ----

  /**
   * R-ROLE-1: creates a staff member with a new account, its roles in the school and a one-time
   * password that is returned once and must be changed at the first login.
   */
  async staffCreate(ctx: Ctx, input: StaffCreateInput): Promise<WriteResult<{ staff: Staff; oneTimePassword: string }>> {
    const schoolId = fromGlobalId(input.schoolId, 'School', 'schoolId');
    assertRole(ctx, STAFF_MANAGERS, schoolId, 'School');
    assertMayGrant(ctx, schoolId, input.roles);
    const password = oneTimePassword();
    // Hashing is slow: done before the transaction opens.
    const passwordHash = await hashPassword(password);
    return write(ctx, async (em) => {
      const school = await em.findOne(School, schoolId);
      if (!school) throw notFound('School');
      const p = new CatalogProblems();
      const login = input.login.trim().toLowerCase();
      if (!LOGIN.test(login)) p.add(UserErrorCode.INVALID, 'A login has 3–50 characters of a–z, 0–9, ".", "_" and "-"', at('login'));
      else if (await em.findOne(User, { login })) p.list.push(this.loginTaken(login));
      const lastName = p.text(input.lastName, at('lastName'), 'The family name');
      const firstName = p.text(input.firstName, at('firstName'), 'The given name');
      const middleName = input.middleName != null ? p.optionalText(input.middleName, at('middleName'), 'The patronymic') : null;
      const position = p.text(input.position, at('position'), 'The position');
      const roles = [...new Set(input.roles)];
      if (roles.length === 0) p.add(UserErrorCode.REQUIRED, `Give at least one role: ${STAFF_ROLES.join(', ')}`, at('roles'));
      const foreign = roles.filter((r) => !STAFF_ROLES.includes(r));
      if (foreign.length) p.add(UserErrorCode.INVALID, `A staff account may hold only the roles ${STAFF_ROLES.join(', ')}; not ${foreign.join(', ')}`, at('roles'));
      p.throwIfAny();
      const user = em.create(User, { login, passwordHash, lastName: lastName!, firstName: firstName!, middleName: middleName ?? null, mustChangePassword: true });
      for (const role of roles) em.create(RoleAssignment, { user, school, role });
      const staff = em.create(Staff, { school, user, position: position! });
      await flush(em, { unique: () => this.loginTaken(login) });
      return { staff, oneTimePassword: password };
    });
  }

  /** Changes the position or the names of a staff member. */
  async staffUpdate(ctx: Ctx, input: StaffUpdateInput): Promise<WriteResult<{ staff: Staff }>> {
    const id = fromGlobalId(input.staffId, 'Staff', 'staffId');
    return write(ctx, async (em) => {
      const staff = await this.lockStaff(ctx, em, id);
      const p = new CatalogProblems();
      const position = input.position != null ? p.text(input.position, at('position'), 'The position') : undefined;
      const lastName = input.lastName != null ? p.text(input.lastName, at('lastName'), 'The family name') : undefined;
      const firstName = input.firstName != null ? p.text(input.firstName, at('firstName'), 'The given name') : undefined;
      const middleName = input.middleName != null ? p.optionalText(input.middleName, at('middleName'), 'The patronymic') : undefined;
      p.throwIfAny();
      if (position) staff.position = position;
      if (lastName || firstName || middleName !== undefined) {
        const user = await em.findOneOrFail(User, staff.user.id);
        if (lastName) user.lastName = lastName;
        if (firstName) user.firstName = firstName;
        if (middleName !== undefined) user.middleName = middleName;
      }
      await em.flush();
      return { staff };
    });
  }

  /**
   * A staff member who left (R-SEC-3, R-ROLE-4): history stays, no new assignments, and access
   * ends at once — their staff roles in the school are removed, their staff event streams end on
   * every server process, and their sessions end when no role at all remains (a teacher who is also
   * a parent keeps the parent's access).
   */
  async staffArchive(ctx: Ctx, input: StaffArchiveInput): Promise<WriteResult<{ staff: Staff }>> {
    const id = fromGlobalId(input.staffId, 'Staff', 'staffId');
    return write(ctx, async (em) => {
      const staff = await this.lockStaff(ctx, em, id);
      const user = await em.findOneOrFail(User, staff.user.id);
      this.archive(staff, `${user.fullName}`, at('staffId'));
      const roles = await em.find(RoleAssignment, { user: user.id });
      const ended = roles.filter((r) => r.school.id === staff.school.id && STAFF_ROLES.includes(r.role));
      for (const r of ended) em.remove(r);
      await em.flush();
      if (ended.length === roles.length) {
        const sessionIds = await ctx.services.auth.revokeSessions(em, user.id, 'staff_archived');
        await em.flush();
        if (sessionIds.length) await announceAuthEvent(em, { sessionIds, reason: 'session_revoked' });
      } else {
        await announceAuthEvent(em, { userId: user.id, reason: 'staff_access_ended' });
      }
      return { staff };
    });
  }

  // ---- helpers ----

  private async lockOwned<T extends Subject | Room>(ctx: Ctx, em: EntityManager, entity: new () => T, table: CatalogTable, id: string): Promise<T> {
    const what = table === 'subject' ? 'Subject' : 'Room';
    const row = await lockRow(em, entity, table, id);
    if (!row) throw notFound(what);
    assertRole(ctx, CATALOG_MANAGERS, row.school.id, what);
    // Serialises name checks of the school with creates.
    await lockRow(em, School, 'school', row.school.id);
    return row;
  }

  private async lockStaff(ctx: Ctx, em: EntityManager, id: string): Promise<Staff> {
    const staff = await lockRow(em, Staff, 'staff', id);
    if (!staff) throw notFound('Staff member');
    assertRole(ctx, STAFF_MANAGERS, staff.school.id, 'Staff member');
    const held = await em.find(RoleAssignment, { user: staff.user.id, school: staff.school.id, role: { $in: [...STAFF_ROLES] } });
    assertMayGrant(ctx, staff.school.id, held.map((r) => r.role));
    return staff;
  }

  private archive(row: { archivedAt?: Date | null }, what: string, field: string[]): void {
    if (row.archivedAt) throw new UserErrorsException([userError(UserErrorCode.ARCHIVED, `${what} is already archived`, field)]);
    row.archivedAt = clock.now();
  }

  private checkCapacity(p: CatalogProblems, capacity: number | null | undefined): void {
    if (capacity != null && (capacity < 1 || capacity > CAPACITY_MAX)) p.add(UserErrorCode.INVALID, `Seats are 1–${CAPACITY_MAX}`, at('capacity'));
  }

  /** Names are unique per school regardless of case. */
  private async checkName(em: EntityManager, p: CatalogProblems, table: CatalogTable, schoolId: string, name: string, exceptId?: string): Promise<void> {
    const rows = await em.execute(`select 1 from "${table}" where school_id = ? and ${lowerSql('name')} = ${lowerSql('?')} and id <> ?`,
      [schoolId, name, exceptId ?? '00000000-0000-0000-0000-000000000000']);
    if (rows.length) p.list.push(this.nameTaken(table, name));
  }

  private nameTaken(table: CatalogTable, name: string) {
    return userError(UserErrorCode.TAKEN, `The school already has a ${WHAT[table]} named «${name}»`, at('name'));
  }

  private loginTaken(login: string) {
    return userError(UserErrorCode.TAKEN, `The login «${login}» is taken`, at('login'));
  }
}
