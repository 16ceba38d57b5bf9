/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** Kind of a live diary event (R-DIARY-3); each kind is delivered as its own type implementing `DiaryEvent`. */
export type DiaryEventKind =
  /** A guardian acknowledged a week of the diary, a mark or a message (R-DIARY-5). */
  | 'ACKNOWLEDGED'
  /** A student's attendance of a lesson changed. */
  | 'ATTENDANCE_CHANGED'
  /** A control work was cancelled. */
  | 'CONTROL_WORK_CANCELLED'
  /** A control work changed (date, lesson number, form or title). */
  | 'CONTROL_WORK_CHANGED'
  /** A control work was scheduled (R-YEAR-10). */
  | 'CONTROL_WORK_SCHEDULED'
  /** A final mark was set, corrected or postponed. */
  | 'FINAL_MARK_SET'
  /** Homework was removed. */
  | 'HOMEWORK_REMOVED'
  /** Homework was given or changed. */
  | 'HOMEWORK_SET'
  /** The lesson is cancelled. */
  | 'LESSON_CANCELLED'
  /** The lesson moved to another date, lesson number or room. */
  | 'LESSON_MOVED'
  /** A cancelled lesson takes place after all. */
  | 'LESSON_RESTORED'
  /** A substitute teacher conducts the lesson (R-JOUR-6). */
  | 'LESSON_SUBSTITUTED'
  /** The substitution was withdrawn: the lesson's own teacher conducts it. */
  | 'LESSON_SUBSTITUTION_REMOVED'
  /** A mark was corrected. */
  | 'MARK_CHANGED'
  /** A mark was deleted. */
  | 'MARK_DELETED'
  /** A mark was posted. */
  | 'MARK_POSTED'
  /** A message was written in a thread (R-JOUR-12). */
  | 'MESSAGE_POSTED'
  /** The timetable of `dateFrom`…`dateTo` changed: refetch that range. */
  | 'TIMETABLE_CHANGED';

/** Whether a dated lesson takes place. */
export type LessonStatus =
  /** Cancelled; see `cancelReason`. */
  | 'CANCELLED'
  /** Takes place (possibly moved or with a substitute). */
  | 'SCHEDULED';

/** Credentials for `login`. */
export type LoginInput = {
  /** Login name (case-insensitive). */
  login: string;
  /** Password. */
  password: string;
};

/** Input of `tokenRefresh`. */
export type TokenRefreshInput = {
  /** The latest refresh token of the session. */
  refreshToken: string;
};

/** Machine-readable code of a user error. */
export type UserErrorCode =
  | 'ACCESS_TOKEN_EXPIRED'
  | 'ACCOUNT_BLOCKED'
  | 'ALREADY_BLOCKED'
  | 'ALREADY_LEFT'
  | 'ALREADY_MEMBER'
  | 'ARCHIVED'
  | 'CANNOT_BLOCK_SELF'
  | 'CLASS_CONFLICT'
  | 'CREDIT_WITHOUT_ABSENCE'
  | 'DATE_INVALID'
  | 'DATE_RANGE_INVALID'
  | 'DEADLINE_INVALID'
  | 'DUPLICATE'
  | 'FINAL_MARK_SET'
  | 'GRADE_INVALID'
  | 'HAS_ACCOUNT'
  | 'HAS_JOURNAL_DATA'
  | 'HOLIDAY'
  | 'INVALID'
  | 'INVALID_ACCESS_TOKEN'
  | 'INVALID_CREDENTIALS'
  | 'INVALID_REFRESH_TOKEN'
  | 'IN_USE'
  | 'JOURNAL_CLOSED'
  | 'LESSON_CANCELLED'
  | 'NOT_BLOCKED'
  | 'NOT_CANCELLED'
  | 'NOT_CLASS_TEACHER'
  | 'NOT_ENROLLED'
  | 'NOT_IN_LESSON'
  | 'NOT_MEMBER'
  | 'NOT_ON_SCALE'
  | 'NOT_PARTICIPANT'
  | 'NOT_SUBSTITUTED'
  | 'NOT_TEACHER'
  | 'NO_BELL_SLOT'
  | 'NO_CONSENT'
  | 'NO_CONTROL_WORK'
  | 'NO_GRADING_SYSTEM'
  | 'OUTSIDE_ACADEMIC_YEAR'
  | 'OUTSIDE_FINAL_MARK_WINDOW'
  | 'OUTSIDE_PERIOD'
  | 'OVERLAPS'
  | 'PASSWORD_CHANGE_REQUIRED'
  | 'RANGE_TOO_LONG'
  | 'REFRESH_TOKEN_REUSED'
  | 'REPLIES_CLOSED'
  | 'REQUIRED'
  | 'ROOM_CONFLICT'
  | 'SAME_TEACHER'
  | 'SESSION_MISMATCH'
  | 'STUDENT_CONFLICT'
  | 'SUBGROUP_CONFLICT'
  | 'TAKEN'
  | 'TEACHER_CONFLICT'
  | 'TOO_LONG'
  | 'VALUE_IN_USE'
  | 'WEAK_PASSWORD';

export type LoginMutationVariables = Exact<{
  input: LoginInput;
}>;


export type LoginMutation = { login: { accessToken: string | null, refreshToken: string | null, accessTokenExpiresAt: string | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type TokenRefreshMutationVariables = Exact<{
  input: TokenRefreshInput;
}>;


export type TokenRefreshMutation = { tokenRefresh: { accessToken: string | null, refreshToken: string | null, accessTokenExpiresAt: string | null, userErrors: Array<{ code: UserErrorCode, field: Array<string> | null, message: string }> } };

export type SocketAuthRenewMutationVariables = Exact<{
  t: string;
}>;


export type SocketAuthRenewMutation = { socketAuthRenew: { accessTokenExpiresAt: string | null, userErrors: Array<{ code: UserErrorCode, message: string }> } };

export type LessonSummaryFragment = { id: string, date: string, lessonNumber: number, status: LessonStatus, startsAt: string | null };

type DiaryEventFields_AcknowledgedEvent_Fragment = { __typename: 'AcknowledgedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string };

type DiaryEventFields_AttendanceChangedEvent_Fragment = { __typename: 'AttendanceChangedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string };

type DiaryEventFields_ControlWorkCancelledEvent_Fragment = { __typename: 'ControlWorkCancelledEvent', reason: string | null, cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, controlWork: { id: string, date: string, title: string | null } | null };

type DiaryEventFields_ControlWorkChangedEvent_Fragment = { __typename: 'ControlWorkChangedEvent', fromDate: string | null, fromLessonNumber: number | null, cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, controlWork: { id: string, date: string, title: string | null } | null };

type DiaryEventFields_ControlWorkScheduledEvent_Fragment = { __typename: 'ControlWorkScheduledEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, controlWork: { id: string, date: string, title: string | null } | null };

type DiaryEventFields_FinalMarkSetEvent_Fragment = { __typename: 'FinalMarkSetEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string };

type DiaryEventFields_HomeworkRemovedEvent_Fragment = { __typename: 'HomeworkRemovedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string };

type DiaryEventFields_HomeworkSetEvent_Fragment = { __typename: 'HomeworkSetEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string };

type DiaryEventFields_LessonCancelledEvent_Fragment = { __typename: 'LessonCancelledEvent', reason: string | null, cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, lesson: { id: string, date: string, lessonNumber: number, status: LessonStatus, startsAt: string | null } | null };

type DiaryEventFields_LessonMovedEvent_Fragment = { __typename: 'LessonMovedEvent', reason: string | null, fromDate: string | null, fromLessonNumber: number | null, cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, lesson: { id: string, date: string, lessonNumber: number, status: LessonStatus, startsAt: string | null } | null };

type DiaryEventFields_LessonRestoredEvent_Fragment = { __typename: 'LessonRestoredEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, lesson: { id: string, date: string, lessonNumber: number, status: LessonStatus, startsAt: string | null } | null };

type DiaryEventFields_LessonSubstitutedEvent_Fragment = { __typename: 'LessonSubstitutedEvent', reason: string | null, cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, lesson: { id: string, date: string, lessonNumber: number, status: LessonStatus, startsAt: string | null } | null };

type DiaryEventFields_LessonSubstitutionRemovedEvent_Fragment = { __typename: 'LessonSubstitutionRemovedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, lesson: { id: string, date: string, lessonNumber: number, status: LessonStatus, startsAt: string | null } | null };

type DiaryEventFields_MarkChangedEvent_Fragment = { __typename: 'MarkChangedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string };

type DiaryEventFields_MarkDeletedEvent_Fragment = { __typename: 'MarkDeletedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string };

type DiaryEventFields_MarkPostedEvent_Fragment = { __typename: 'MarkPostedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string };

type DiaryEventFields_MessagePostedEvent_Fragment = { __typename: 'MessagePostedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string };

type DiaryEventFields_TimetableChangedEvent_Fragment = { __typename: 'TimetableChangedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, timetableEntry: { id: string, weekday: number, lessonNumber: number } | null };

export type DiaryEventFieldsFragment =
  | DiaryEventFields_AcknowledgedEvent_Fragment
  | DiaryEventFields_AttendanceChangedEvent_Fragment
  | DiaryEventFields_ControlWorkCancelledEvent_Fragment
  | DiaryEventFields_ControlWorkChangedEvent_Fragment
  | DiaryEventFields_ControlWorkScheduledEvent_Fragment
  | DiaryEventFields_FinalMarkSetEvent_Fragment
  | DiaryEventFields_HomeworkRemovedEvent_Fragment
  | DiaryEventFields_HomeworkSetEvent_Fragment
  | DiaryEventFields_LessonCancelledEvent_Fragment
  | DiaryEventFields_LessonMovedEvent_Fragment
  | DiaryEventFields_LessonRestoredEvent_Fragment
  | DiaryEventFields_LessonSubstitutedEvent_Fragment
  | DiaryEventFields_LessonSubstitutionRemovedEvent_Fragment
  | DiaryEventFields_MarkChangedEvent_Fragment
  | DiaryEventFields_MarkDeletedEvent_Fragment
  | DiaryEventFields_MarkPostedEvent_Fragment
  | DiaryEventFields_MessagePostedEvent_Fragment
  | DiaryEventFields_TimetableChangedEvent_Fragment
;

export type DiaryEventsSubscriptionVariables = Exact<{
  studentId: string | number;
  after?: string | null | undefined;
}>;


export type DiaryEventsSubscription = { diaryEvents:
    | { __typename: 'AcknowledgedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'AttendanceChangedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'ControlWorkCancelledEvent', reason: string | null, cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, controlWork: { id: string, date: string, title: string | null } | null }
    | { __typename: 'ControlWorkChangedEvent', fromDate: string | null, fromLessonNumber: number | null, cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, controlWork: { id: string, date: string, title: string | null } | null }
    | { __typename: 'ControlWorkScheduledEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, controlWork: { id: string, date: string, title: string | null } | null }
    | { __typename: 'FinalMarkSetEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'HomeworkRemovedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'HomeworkSetEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'LessonCancelledEvent', reason: string | null, cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, lesson: { id: string, date: string, lessonNumber: number, status: LessonStatus, startsAt: string | null } | null }
    | { __typename: 'LessonMovedEvent', reason: string | null, fromDate: string | null, fromLessonNumber: number | null, cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, lesson: { id: string, date: string, lessonNumber: number, status: LessonStatus, startsAt: string | null } | null }
    | { __typename: 'LessonRestoredEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, lesson: { id: string, date: string, lessonNumber: number, status: LessonStatus, startsAt: string | null } | null }
    | { __typename: 'LessonSubstitutedEvent', reason: string | null, cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, lesson: { id: string, date: string, lessonNumber: number, status: LessonStatus, startsAt: string | null } | null }
    | { __typename: 'LessonSubstitutionRemovedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, lesson: { id: string, date: string, lessonNumber: number, status: LessonStatus, startsAt: string | null } | null }
    | { __typename: 'MarkChangedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'MarkDeletedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'MarkPostedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'MessagePostedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'TimetableChangedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, timetableEntry: { id: string, weekday: number, lessonNumber: number } | null }
   };

export type TeacherEventsSubscriptionVariables = Exact<{
  after?: string | null | undefined;
}>;


export type TeacherEventsSubscription = { teacherEvents:
    | { __typename: 'AcknowledgedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'AttendanceChangedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'ControlWorkCancelledEvent', reason: string | null, cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, controlWork: { id: string, date: string, title: string | null } | null }
    | { __typename: 'ControlWorkChangedEvent', fromDate: string | null, fromLessonNumber: number | null, cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, controlWork: { id: string, date: string, title: string | null } | null }
    | { __typename: 'ControlWorkScheduledEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, controlWork: { id: string, date: string, title: string | null } | null }
    | { __typename: 'FinalMarkSetEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'HomeworkRemovedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'HomeworkSetEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'LessonCancelledEvent', reason: string | null, cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, lesson: { id: string, date: string, lessonNumber: number, status: LessonStatus, startsAt: string | null } | null }
    | { __typename: 'LessonMovedEvent', reason: string | null, fromDate: string | null, fromLessonNumber: number | null, cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, lesson: { id: string, date: string, lessonNumber: number, status: LessonStatus, startsAt: string | null } | null }
    | { __typename: 'LessonRestoredEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, lesson: { id: string, date: string, lessonNumber: number, status: LessonStatus, startsAt: string | null } | null }
    | { __typename: 'LessonSubstitutedEvent', reason: string | null, cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, lesson: { id: string, date: string, lessonNumber: number, status: LessonStatus, startsAt: string | null } | null }
    | { __typename: 'LessonSubstitutionRemovedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, lesson: { id: string, date: string, lessonNumber: number, status: LessonStatus, startsAt: string | null } | null }
    | { __typename: 'MarkChangedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'MarkDeletedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'MarkPostedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'MessagePostedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string }
    | { __typename: 'TimetableChangedEvent', cursor: string, kind: DiaryEventKind, studentId: string | null, dateFrom: string | null, dateTo: string | null, occurredAt: string, timetableEntry: { id: string, weekday: number, lessonNumber: number } | null }
   };

export const LessonSummaryFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"LessonSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Lesson"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"lessonNumber"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}}]}}]} as unknown as DocumentNode<LessonSummaryFragment, unknown>;
export const DiaryEventFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DiaryEventFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DiaryEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"studentId"}},{"kind":"Field","name":{"kind":"Name","value":"dateFrom"}},{"kind":"Field","name":{"kind":"Name","value":"dateTo"}},{"kind":"Field","name":{"kind":"Name","value":"occurredAt"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LessonCancelledEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"lesson"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"LessonSummary"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LessonRestoredEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lesson"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"LessonSummary"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LessonMovedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"fromDate"}},{"kind":"Field","name":{"kind":"Name","value":"fromLessonNumber"}},{"kind":"Field","name":{"kind":"Name","value":"lesson"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"LessonSummary"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LessonSubstitutedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"lesson"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"LessonSummary"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LessonSubstitutionRemovedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lesson"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"LessonSummary"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ControlWorkScheduledEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"controlWork"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"title"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ControlWorkChangedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromDate"}},{"kind":"Field","name":{"kind":"Name","value":"fromLessonNumber"}},{"kind":"Field","name":{"kind":"Name","value":"controlWork"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"title"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ControlWorkCancelledEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"controlWork"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"title"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TimetableChangedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"timetableEntry"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"weekday"}},{"kind":"Field","name":{"kind":"Name","value":"lessonNumber"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"LessonSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Lesson"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"lessonNumber"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}}]}}]} as unknown as DocumentNode<DiaryEventFieldsFragment, unknown>;
export const LoginDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Login"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"LoginInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"login"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"refreshToken"}},{"kind":"Field","name":{"kind":"Name","value":"accessTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<LoginMutation, LoginMutationVariables>;
export const TokenRefreshDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"TokenRefresh"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"TokenRefreshInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tokenRefresh"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessToken"}},{"kind":"Field","name":{"kind":"Name","value":"refreshToken"}},{"kind":"Field","name":{"kind":"Name","value":"accessTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<TokenRefreshMutation, TokenRefreshMutationVariables>;
export const SocketAuthRenewDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SocketAuthRenew"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"t"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"socketAuthRenew"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"accessToken"},"value":{"kind":"Variable","name":{"kind":"Name","value":"t"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"accessTokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<SocketAuthRenewMutation, SocketAuthRenewMutationVariables>;
export const DiaryEventsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"DiaryEvents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"studentId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"diaryEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"studentId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"studentId"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DiaryEventFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"LessonSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Lesson"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"lessonNumber"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DiaryEventFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DiaryEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"studentId"}},{"kind":"Field","name":{"kind":"Name","value":"dateFrom"}},{"kind":"Field","name":{"kind":"Name","value":"dateTo"}},{"kind":"Field","name":{"kind":"Name","value":"occurredAt"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LessonCancelledEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"lesson"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"LessonSummary"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LessonRestoredEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lesson"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"LessonSummary"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LessonMovedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"fromDate"}},{"kind":"Field","name":{"kind":"Name","value":"fromLessonNumber"}},{"kind":"Field","name":{"kind":"Name","value":"lesson"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"LessonSummary"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LessonSubstitutedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"lesson"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"LessonSummary"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LessonSubstitutionRemovedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lesson"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"LessonSummary"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ControlWorkScheduledEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"controlWork"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"title"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ControlWorkChangedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromDate"}},{"kind":"Field","name":{"kind":"Name","value":"fromLessonNumber"}},{"kind":"Field","name":{"kind":"Name","value":"controlWork"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"title"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ControlWorkCancelledEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"controlWork"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"title"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TimetableChangedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"timetableEntry"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"weekday"}},{"kind":"Field","name":{"kind":"Name","value":"lessonNumber"}}]}}]}}]}}]} as unknown as DocumentNode<DiaryEventsSubscription, DiaryEventsSubscriptionVariables>;
export const TeacherEventsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"TeacherEvents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"teacherEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DiaryEventFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"LessonSummary"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Lesson"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"lessonNumber"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DiaryEventFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DiaryEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"studentId"}},{"kind":"Field","name":{"kind":"Name","value":"dateFrom"}},{"kind":"Field","name":{"kind":"Name","value":"dateTo"}},{"kind":"Field","name":{"kind":"Name","value":"occurredAt"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LessonCancelledEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"lesson"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"LessonSummary"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LessonRestoredEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lesson"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"LessonSummary"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LessonMovedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"fromDate"}},{"kind":"Field","name":{"kind":"Name","value":"fromLessonNumber"}},{"kind":"Field","name":{"kind":"Name","value":"lesson"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"LessonSummary"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LessonSubstitutedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"lesson"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"LessonSummary"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"LessonSubstitutionRemovedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lesson"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"LessonSummary"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ControlWorkScheduledEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"controlWork"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"title"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ControlWorkChangedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"fromDate"}},{"kind":"Field","name":{"kind":"Name","value":"fromLessonNumber"}},{"kind":"Field","name":{"kind":"Name","value":"controlWork"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"title"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ControlWorkCancelledEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"reason"}},{"kind":"Field","name":{"kind":"Name","value":"controlWork"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"date"}},{"kind":"Field","name":{"kind":"Name","value":"title"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"TimetableChangedEvent"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"timetableEntry"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"weekday"}},{"kind":"Field","name":{"kind":"Name","value":"lessonNumber"}}]}}]}}]}}]} as unknown as DocumentNode<TeacherEventsSubscription, TeacherEventsSubscriptionVariables>;