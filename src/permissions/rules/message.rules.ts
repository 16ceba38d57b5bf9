import { allow, capability, isSchoolMember } from './common.rules';
import type { RuleMap } from '../rule-map';

/** R-JOUR-12: reads and writes in message threads (the service checks participation today). */
export const canCorrespond = capability('canCorrespond');
/** R-DIARY-5: acknowledges as a guardian (the service checks the guardian link). */
export const canAcknowledge = capability('canAcknowledge');
/** R-DIARY-5: reads who has and has not acknowledged (the service checks the class teacher, the author, the school). */
export const canReadAcknowledgments = capability('canReadAcknowledgments');

/**
 * Messages and acknowledgments (R-JOUR-12, R-DIARY-5). The rules check the role; the service
 * checks the record: a thread and its messages only for its participants today (else NOT_FOUND,
 * or filtered out of lists), an acknowledgment only by a current guardian of the student.
 */
export const messageRules: RuleMap = {
  Query: {
    messageThreads: canCorrespond,
    messageUnreadCount: canCorrespond,
    acknowledgments: canReadAcknowledgments,
  },
  Mutation: {
    messageThreadStart: canCorrespond,
    messageSend: canCorrespond,
    messageThreadRead: canCorrespond,
    diaryAcknowledge: canAcknowledge,
    markAcknowledge: canAcknowledge,
    messageAcknowledge: canAcknowledge,
  },
  // Reached only through scoped queries, payloads, live events and node(): rows are filtered by the service.
  MessageThread: { '*': isSchoolMember },
  Message: { '*': isSchoolMember },
  Acknowledgment: { '*': isSchoolMember },
  // What their root query or parent already authorised and scoped.
  MessageThreadConnection: allow,
  MessageThreadEdge: allow,
  MessageConnection: allow,
  MessageEdge: allow,
  AcknowledgmentReport: allow,
  AcknowledgmentStatus: allow,
  // Payloads carry what their mutation already authorised.
  MessageThreadStartPayload: allow,
  MessageSendPayload: allow,
  MessageThreadReadPayload: allow,
  AcknowledgmentPayload: allow,
};
