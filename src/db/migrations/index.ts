import { Migration0001Foundation } from './0001-foundation';
import { Migration0002RosterCore } from './0002-roster-core';
import { teachingMigrations } from './0003-teaching';
import { consentMigrations } from './0004-consent';
import { groupMigrations } from './0005-groups';
import { Migration0006AuditChainHead } from './0006-audit-chain-head';
import { Migration0007StudentLeftReason } from './0007-student-left-reason';
import { timetableMigrations } from './0008-timetable';
import { substituteAccessMigrations } from './0009-substitute-access';
import { effectiveBellScheduleMigrations } from './0010-effective-bell-schedule';
import { accessOverTimeMigrations } from './0011-access-over-time';
import { cryptoShreddingMigrations } from './0012-crypto-shredding';
import { participationSpanMigrations } from './0013-participation-spans';
import { loginThrottleMigrations } from './0014-login-throttle';
import { diaryEndsOnLeavingMigrations } from './0015-diary-ends-on-leaving';
import { eventRegistryMigrations } from './0016-event-registry';
import { outboxRetentionMigrations } from './0017-outbox-retention';
import { schoolChangeNotifyMigrations } from './0018-school-change-notify';
import { studentAccessKeysMigrations } from './0019-student-access-keys';
import { holidayAppliesMigrations } from './0020-holiday-applies';
import { finalMarkMigrations } from './0022-final-marks';
import { journalMigrations } from './0021-journal';
import { messageMigrations } from './0023-messages';
import { hotReadFunctionMigrations } from './0024-hot-read-functions';
import { liveAccessKeysMigrations } from './0025-live-access-keys';
import { studentSpansMigrations } from './0026-student-spans';
import { lessonClassMigrations } from './0027-lesson-class';

/** Every migration, in order. Add new ones at the end; never edit an applied one. */
export const migrationsList = [
  { name: '0001-foundation', class: Migration0001Foundation },
  { name: '0002-roster-core', class: Migration0002RosterCore },
  ...teachingMigrations,
  ...consentMigrations,
  ...groupMigrations,
  { name: '0006-audit-chain-head', class: Migration0006AuditChainHead },
  { name: '0007-student-left-reason', class: Migration0007StudentLeftReason },
  ...timetableMigrations,
  ...substituteAccessMigrations,
  ...effectiveBellScheduleMigrations,
  ...accessOverTimeMigrations,
  ...cryptoShreddingMigrations,
  ...participationSpanMigrations,
  ...loginThrottleMigrations,
  ...diaryEndsOnLeavingMigrations,
  ...eventRegistryMigrations,
  ...outboxRetentionMigrations,
  ...schoolChangeNotifyMigrations,
  ...studentAccessKeysMigrations,
  ...holidayAppliesMigrations,
  ...journalMigrations,
  ...finalMarkMigrations,
  ...messageMigrations,
  ...hotReadFunctionMigrations,
  ...liveAccessKeysMigrations,
  ...studentSpansMigrations,
  ...lessonClassMigrations,
];
