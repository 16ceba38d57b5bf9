import { School } from './school.entity';
import { User, RoleAssignment } from './user.entity';
import { AuthSession, AuthToken } from './auth.entity';
import { AuditEntry } from './audit-entry.entity';
import { AcademicYear, StudyPeriod, Holiday } from './academic-year.entity';
import { GradingSystem, GradingValue } from './grading-system.entity';
import { Subject, Room } from './subject.entity';
import { Staff } from './staff.entity';
import { SchoolClass } from './school-class.entity';
import { Student, Guardian, StudentGuardian, ClassMembership } from './student.entity';
import { StudyGroup, GroupMembership } from './study-group.entity';
import { TeachingAssignment } from './teaching-assignment.entity';
import { curriculumEntities } from './curriculum.entity';
import { consentEntities } from './consent.entity';
import { individualPlanEntities } from './individual-plan.entity';
import { timetableEntities } from './timetable.entity';
import { Lesson } from './lesson.entity';
import { ControlWork } from './control-work.entity';
import { ProductionCalendarDay } from './production-calendar.entity';
import { journalEntities } from './journal.entity';
import { finalMarkEntities } from './final-mark.entity';
import { messageEntities } from './message.entity';

/** Every entity, registered with the ORM. */
export const entities = [
  School, User, RoleAssignment, AuthSession, AuthToken, AuditEntry,
  AcademicYear, StudyPeriod, Holiday, GradingSystem, GradingValue,
  Subject, Room, Staff, SchoolClass, Student, Guardian, StudentGuardian, ClassMembership,
  StudyGroup, GroupMembership, TeachingAssignment,
  ...curriculumEntities, ...consentEntities, ...individualPlanEntities,
  ...timetableEntities, Lesson, ControlWork, ProductionCalendarDay, ...journalEntities, ...finalMarkEntities, ...messageEntities,
];

/** Entities whose changes are not written to the audit trail (secrets and bookkeeping). */
export const notAudited = new Set<string>(['AuthToken', 'AuditEntry']);
