import { School } from './school.entity';
import { User, RoleAssignment } from './user.entity';
import { AuthSession, AuthToken, LoginAttempt } from './auth.entity';
import { AuditEntry } from './audit-entry.entity';
import { AcademicYear, StudyPeriod, Holiday } from './academic-year.entity';
import { GradingSystem, GradingValue } from './grading-system.entity';

/** Every entity, registered with the ORM. */
export const entities = [
  School, User, RoleAssignment, AuthSession, AuthToken, LoginAttempt, AuditEntry,
  AcademicYear, StudyPeriod, Holiday, GradingSystem, GradingValue,
];

/** Entities whose changes are not written to the audit trail (secrets and bookkeeping). */
export const notAudited = new Set<string>(['AuthToken', 'LoginAttempt', 'AuditEntry']);
