import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config';
import type { Ctx } from '../context';
import { AcademicYear } from '../entities/academic-year.entity';
import { School } from '../entities/school.entity';
import { SchoolClass } from '../entities/school-class.entity';
import { ClassMembership, Student, StudentGuardian } from '../entities/student.entity';
import { GroupMembership } from '../entities/study-group.entity';
import { RoleAssignment, User } from '../entities/user.entity';
import { AuthSession } from '../entities/auth.entity';
import { fromGlobalId, toGlobalId } from '../schema/node';
import { notFound } from '../schema/errors';
import { UserErrorCode } from '../schema/user-error';
import { announceAuthEvent } from '../subscriptions/connections';
import { ErasureReason } from '../entities/consent.entity';
import { scheduleErasure } from './erasure.job';
import type { StudentEnrolInput, StudentLeaveInput, StudentTransferInput } from '../schema/movement.types';
import { assertCanManage, requiredText, todayIn, write } from './membership.helpers';
import { type WriteResult, addDays, at, fail, lockRow } from './shared';
import { DIARY_ROLES } from '../permissions/capabilities';

const LEAVE_REASON_MAX = 500;
/** R-SEC-8: the reason recorded on accounts whose diary service ended. */
export const LEFT_SCHOOL = 'left school';

/**
 * Student movement (R-YEAR-11): enrolment, transfer between classes, leaving the school. History
 * is kept: memberships are closed by date, never deleted, so old marks stay with the old class.
 * Every write locks the student's row first. Leaving ends the diary service (R-SEC-8): the
 * student's account and those of guardians with no other enrolled child are blocked at once.
 */
export class MovementService {
  constructor(private readonly config: AppConfig) {}

  /** Puts a student who is in no class into a class from a date. */
  async studentEnrol(ctx: Ctx, input: StudentEnrolInput): Promise<WriteResult<{ membership: ClassMembership }>> {
    const studentId = fromGlobalId(input.studentId, 'Student', 'studentId');
    const classId = fromGlobalId(input.classId, 'SchoolClass', 'classId');
    return write(ctx, async (em) => {
      const student = await this.lockStudent(ctx, em, studentId);
      const schoolClass = await this.classOf(em, student, classId);
      if (student.leftOn) fail(UserErrorCode.ALREADY_LEFT, `The student left the school on ${student.leftOn}`, at('studentId'));
      const open = await em.findOne(ClassMembership, { student: studentId, toDate: null });
      if (open) fail(UserErrorCode.ALREADY_MEMBER, 'The student is already in a class: transfer them instead', at('studentId'));
      const year = await em.findOneOrFail(AcademicYear, schoolClass.academicYear.id);
      this.insideYear(year, input.fromDate, at('fromDate'));
      const later = await em.findOne(ClassMembership, { student: studentId, toDate: { $gte: input.fromDate } });
      if (later) fail(UserErrorCode.DATE_INVALID, `The student was in a class until ${later.toDate}: the first day must be later`, at('fromDate'));
      const membership = em.create(ClassMembership, { student, schoolClass, fromDate: input.fromDate, toDate: null });
      await em.flush();
      return { membership };
    });
  }

  /**
   * Moves a student to another class from `date`: the old membership ends the day before, and so do
   * the memberships of groups tied to the old class (its subgroups, streams the new class is not in).
   */
  async studentTransfer(ctx: Ctx, input: StudentTransferInput): Promise<WriteResult<{
    previousMembership: ClassMembership; membership: ClassMembership; closedGroupMemberships: GroupMembership[];
  }>> {
    const studentId = fromGlobalId(input.studentId, 'Student', 'studentId');
    const toClassId = fromGlobalId(input.toClassId, 'SchoolClass', 'toClassId');
    const date = input.date;
    return write(ctx, async (em) => {
      const student = await this.lockStudent(ctx, em, studentId);
      const toClass = await this.classOf(em, student, toClassId);
      if (student.leftOn) fail(UserErrorCode.ALREADY_LEFT, `The student left the school on ${student.leftOn}`, at('studentId'));
      const previous = await em.findOne(ClassMembership, { student: studentId, toDate: null }, { populate: ['schoolClass'] });
      if (!previous) fail(UserErrorCode.NOT_ENROLLED, 'The student is in no class: enrol them instead', at('studentId'));
      const fromClass = previous.schoolClass.getEntity();
      if (fromClass.id === toClassId) fail(UserErrorCode.ALREADY_MEMBER, `The student is already in ${toClass.name}`, at('toClassId'));
      if (fromClass.academicYear.id !== toClass.academicYear.id) fail(UserErrorCode.INVALID, `${toClass.name} is not of the academic year of ${fromClass.name}`, at('toClassId'));
      const year = await em.findOneOrFail(AcademicYear, toClass.academicYear.id);
      this.insideYear(year, date, at('date'));
      const lastDay = addDays(date, -1);
      if (lastDay < previous.fromDate) fail(UserErrorCode.DATE_INVALID, `The student joined ${fromClass.name} on ${previous.fromDate}: the transfer date must be later`, at('date'));
      const groups = await this.openGroupMemberships(em, studentId,
        `(g.school_class_id = ? or (g.kind = 'STREAM' and ? = any(g.stream_class_ids) and not (? = any(g.stream_class_ids))))`,
        [fromClass.id, fromClass.id, toClassId]);
      const closedGroupMemberships = this.close(groups, lastDay, at('date'));
      previous.toDate = lastDay;
      // The old open row must be closed before the new one: one open membership per student.
      await em.flush();
      const membership = em.create(ClassMembership, { student, schoolClass: toClass, fromDate: date, toDate: null });
      await em.flush();
      return { previousMembership: previous, membership, closedGroupMemberships };
    });
  }

  /**
   * R-YEAR-11, R-SEC-8: a student leaves the school on `date` (their last day). Class and group
   * memberships end that day; the diary service ends: the student's account and those of guardians
   * with no other enrolled child are blocked, their sessions revoked and open sockets closed, and the
   * destruction of the diary-service data is scheduled within 3 working days (the erasure job).
   */
  async studentLeave(ctx: Ctx, input: StudentLeaveInput): Promise<WriteResult<{
    membership: ClassMembership; closedGroupMemberships: GroupMembership[]; blockedUserIds: string[];
  }>> {
    const studentId = fromGlobalId(input.studentId, 'Student', 'studentId');
    const date = input.date;
    return write(ctx, async (em) => {
      const student = await this.lockStudent(ctx, em, studentId);
      requiredText(input.reason, at('reason'), 'The reason', LEAVE_REASON_MAX);
      if (student.leftOn) fail(UserErrorCode.ALREADY_LEFT, `The student already left the school on ${student.leftOn}`, at('studentId'));
      const membership = await em.findOne(ClassMembership, { student: studentId, toDate: null }, { populate: ['schoolClass'] });
      if (!membership) fail(UserErrorCode.NOT_ENROLLED, 'The student is in no class', at('studentId'));
      const year = await em.findOneOrFail(AcademicYear, membership.schoolClass.getEntity().academicYear.id);
      this.insideYear(year, date, at('date'));
      if (date < membership.fromDate) fail(UserErrorCode.DATE_INVALID, `The student joined the class on ${membership.fromDate}: the last day cannot be earlier`, at('date'));
      const school = await em.findOneOrFail(School, student.school.id);
      // Accounts are blocked when the leaving is recorded, so it is recorded on or after its day.
      if (date > todayIn(school.timeZone)) fail(UserErrorCode.DATE_INVALID, `${date} is in the future: record the leaving on or after the last day`, at('date'));
      const groups = await this.openGroupMemberships(em, studentId, 'true', []);
      const closedGroupMemberships = this.close(groups, date, at('date'));
      membership.toDate = date;
      student.leftOn = date;
      student.leftReason = input.reason.trim();
      const blocked = await this.endDiaryService(em, student);
      // R-SEC-8: the diary-service data are destroyed within 3 working days of this notice, with a
      // written notice to the guardians; the school's records (journal, summary sheet) stay.
      await scheduleErasure(em, { school, student, reason: ErasureReason.LEFT_SCHOOL, from: todayIn(school.timeZone) });
      await em.flush();
      for (const userId of blocked) await announceAuthEvent(em, { userId, reason: 'blocked' });
      return { membership, closedGroupMemberships, blockedUserIds: blocked.map((id) => toGlobalId('User', id)) };
    });
  }

  // ---- helpers ----

  private async lockStudent(ctx: Ctx, em: EntityManager, studentId: string): Promise<Student> {
    const student = await lockRow(em, Student, 'student', studentId);
    if (!student) throw notFound('Student');
    assertCanManage(ctx, student.school.id, 'Student');
    return student;
  }

  /** A class of the student's school; a class of any other school is NOT_FOUND, like one that does not exist. */
  private async classOf(em: EntityManager, student: Student, classId: string): Promise<SchoolClass> {
    const schoolClass = await em.findOne(SchoolClass, classId);
    if (!schoolClass || schoolClass.school.id !== student.school.id) throw notFound('Class');
    return schoolClass;
  }

  private insideYear(year: AcademicYear, date: string, field: string[]): void {
    if (date < year.startDate || date > year.endDate) {
      fail(UserErrorCode.DATE_INVALID, `${date} is outside the academic year «${year.name}» (${year.startDate} – ${year.endDate})`, field);
    }
  }

  private async openGroupMemberships(em: EntityManager, studentId: string, condition: string, params: unknown[]): Promise<GroupMembership[]> {
    const rows = await em.execute<Record<string, unknown>[]>(
      `select gm.* from group_membership gm join study_group g on g.id = gm.group_id
        where gm.student_id = ? and gm.to_date is null and ${condition} order by gm.from_date for no key update of gm`,
      [studentId, ...params]);
    return rows.map((r) => em.map(GroupMembership, r as never));
  }

  /** Closes memberships on `lastDay`; one that starts later cannot end then. */
  private close(memberships: GroupMembership[], lastDay: string, field: string[]): GroupMembership[] {
    for (const m of memberships) {
      if (m.fromDate > lastDay) fail(UserErrorCode.DATE_INVALID, `The student is in a group from ${m.fromDate}, after ${lastDay}: change that membership first`, field);
      m.toDate = lastDay;
    }
    return memberships;
  }

  /**
   * R-SEC-8: blocks the student's account and the accounts of current guardians who have no other
   * child still enrolled (and no staff role), revoking their sessions; returns the blocked user ids.
   */
  private async endDiaryService(em: EntityManager, student: Student): Promise<string[]> {
    const userIds: string[] = [];
    if (student.user) userIds.push(student.user.id);
    const links = await em.find(StudentGuardian, { student: student.id, removedAt: null }, { populate: ['guardian'] });
    for (const link of links) {
      const userId = link.guardian.getEntity().user?.id;
      if (!userId || userIds.includes(userId)) continue;
      const [other] = await em.execute(
        `select 1 from guardian g join student_guardian sg on sg.guardian_id = g.id and sg.removed_at is null
           join student s on s.id = sg.student_id and s.left_on is null
           join class_membership cm on cm.student_id = s.id and cm.to_date is null
          where g.user_id = ? and s.id <> ? limit 1`, [userId, student.id]);
      if (other) continue;
      const otherRoles = await em.count(RoleAssignment, { user: userId, role: { $nin: [...DIARY_ROLES] } });
      if (otherRoles > 0) continue;
      userIds.push(userId);
    }
    const blocked: string[] = [];
    const now = new Date();
    for (const user of await em.find(User, { id: { $in: userIds }, blockedAt: null })) {
      user.blockedAt = now;
      user.blockedReason = LEFT_SCHOOL;
      blocked.push(user.id);
    }
    for (const session of await em.find(AuthSession, { user: { $in: blocked }, revokedAt: null })) {
      session.revokedAt = now;
      session.revokedReason = LEFT_SCHOOL;
    }
    return blocked;
  }
}
