import type { TestApp, HttpClient } from '../helpers/app';
import type { Actor } from '../helpers/matrix';

/** Fixture builders of the role × operation matrix, shared with the feature files of test/matrix/. */
export interface MatrixFixtures {
  app: TestApp;
  /** the demo school's and its academic year's global IDs */
  schoolId(): string;
  yearId(): string;
  demoSchoolUuid(): string;
  demoYearUuid(): string;
  uuidOf(globalId: string): string;
  /** a fresh number for unique names */
  next(): number;
  /** the deputy's client, to build targets */
  setup(): HttpClient;
  /** the Staff row (raw id) / global ID of a login (created once) */
  staffUuid(login: string): Promise<string>;
  staffOf(login: string): Promise<string>;
  newSubject(): Promise<string>;
  newSubjectRow(): Promise<string>;
  newRoom(): Promise<string>;
  /** a class of the demo year without a class teacher: global ID / raw id */
  newPlainClass(): Promise<string>;
  newClassRow(): Promise<string>;
  /** a class led by the demo class teacher (global ID) */
  newLedClass(): Promise<string>;
  newStudentRow(classUuid?: string): Promise<string>;
  newGroupRow(): Promise<string>;
  /** a consenting student in a class (a new one led by the class teacher by default) whom `actor` may see */
  studentFor(actor: Actor, classGid?: string): Promise<{ studentId: string; classId: string }>;
}
