import { allow, capability, isSchoolMember } from './common.rules';
import type { RuleMap } from '../rule-map';

/** R-JOUR-8: sets and postpones final marks (the service checks that the teacher teaches the subject in the student's class or group). */
export const canSetFinalMarks = capability('canSetFinalMarks');
/** R-JOUR-9: reopens and closes a closed journal. */
export const canReopenJournals = capability('canReopenJournals');
/** R-JOUR-11: reads a class's summary sheet (the service checks the class teacher and the school). */
export const canReadSummarySheets = capability('canReadSummarySheets');

/**
 * The journal, part 2 (R-JOUR-8..11). The rules check the role; the service checks the record:
 * final marks only by a teacher of the subject in the student's class or group, reopenings only by
 * the deputy or director of the school; final marks and histories read only by viewers who may see
 * the student (R-SEC-3, else NOT_FOUND).
 */
export const finalMarkRules: RuleMap = {
  Query: {
    classSummarySheet: canReadSummarySheets,
    studentFinalMarks: isSchoolMember,
    journalReopenings: isSchoolMember,
    journalCellHistory: isSchoolMember,
    finalMarkHistory: isSchoolMember,
  },
  Mutation: {
    finalMarkSet: canSetFinalMarks,
    finalMarkPostpone: canSetFinalMarks,
    journalReopen: canReopenJournals,
    journalClose: canReopenJournals,
  },
  // Reached only through scoped queries, payloads and node(): rows are filtered by the service.
  FinalMark: { '*': isSchoolMember },
  JournalReopening: { '*': isSchoolMember },
  // What their root query already authorised and scoped.
  SummarySheet: allow,
  SummarySheetRow: allow,
  JournalChange: allow,
  FinalMarkWarning: allow,
  // Payloads carry what their mutation already authorised.
  FinalMarkSetPayload: allow,
  FinalMarkPostponePayload: allow,
  JournalReopeningPayload: allow,
};
