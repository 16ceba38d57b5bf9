import { allow, canManageYear, isSchoolMember } from './common.rules';
import type { RuleMap } from '../rule-map';

/**
 * School-year structure (R-YEAR-1, R-YEAR-2): readable by every member of the school, set up by its
 * ADMIN and DEPUTY. The rules check the role; the service checks that it is held in the school of
 * the record (NOT_FOUND outside the viewer's schools, FORBIDDEN without the role there).
 */
export const yearRules: RuleMap = {
  Query: {
    schools: isSchoolMember,
    school: isSchoolMember,
    academicYear: isSchoolMember,
  },
  Mutation: {
    schoolUpdate: canManageYear,
    academicYearCreate: canManageYear,
    academicYearUpdate: canManageYear,
    academicYearDelete: canManageYear,
    studyPeriodCreate: canManageYear,
    studyPeriodUpdate: canManageYear,
    studyPeriodDelete: canManageYear,
    holidayCreate: canManageYear,
    holidayUpdate: canManageYear,
    holidayDelete: canManageYear,
    gradingSystemCreate: canManageYear,
    gradingSystemUpdate: canManageYear,
    gradingSystemDelete: canManageYear,
  },
  School: isSchoolMember,
  AcademicYear: isSchoolMember,
  StudyPeriod: isSchoolMember,
  Holiday: isSchoolMember,
  GradingSystem: isSchoolMember,
  GradingValue: isSchoolMember,
  // Payloads carry what their mutation already authorised.
  SchoolUpdatePayload: allow,
  AcademicYearCreatePayload: allow,
  AcademicYearUpdatePayload: allow,
  AcademicYearDeletePayload: allow,
  StudyPeriodCreatePayload: allow,
  StudyPeriodUpdatePayload: allow,
  StudyPeriodDeletePayload: allow,
  HolidayCreatePayload: allow,
  HolidayUpdatePayload: allow,
  HolidayDeletePayload: allow,
  GradingSystemCreatePayload: allow,
  GradingSystemUpdatePayload: allow,
  GradingSystemDeletePayload: allow,
};
