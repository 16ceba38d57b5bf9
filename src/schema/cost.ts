import {
  ArgumentNode, DocumentNode, getNullableType, getVariableValues, GraphQLError, GraphQLField, GraphQLSchema, isInterfaceType,
  isListType, isObjectType, OperationDefinitionNode, visit,
} from 'graphql';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ComplexityEstimator, getComplexity } from 'graphql-query-complexity';
import { ErrorCode } from './errors';
import { MAX_PAGE_SIZE } from './connection';
import { ACKNOWLEDGMENT_ROWS_MAX } from './message.types';

/*
 * The cost of an operation is the number of field values it can produce: each field costs 1, and a
 * list field multiplies what is selected under it by the most items it can hold. The bounds are
 * real sizes of a school (a class's students, lessons in a day, days in a diary range), not guesses
 * per query: a query is refused when the largest result it could produce on a real school is too
 * large, whatever that school holds today. Paginated connections multiply by their `first` (the
 * literal or the variable's value; at most MAX_PAGE_SIZE, which argument validation enforces).
 *
 * Every list field of the schema has an entry here; the server refuses to start otherwise, and
 * test/cost.test.ts fails when a list field is added without one.
 */

/** How many items a list field (or a connection page) can hold. */
export type ListBound =
  /** at most `size` items */
  | { size: number; why: string }
  /** at most `size` items; at most `narrowed` when any of the arguments `by` is given */
  | { size: number; narrowed: number; by: string[]; why: string }
  /** a connection: a page of `first` items (counted at the connection field; its `edges`/`nodes` are `page`) */
  | { pageArg: string; why: string }
  /** as many items as the list argument `lengthOf` has */
  | { lengthOf: string; why: string }
  /** `edges`/`nodes` of a connection: multiplied at the connection field already */
  | { page: true };

const page = { page: true } as const;
const STUDENTS_PER_CLASS = 40; // SanPiN allows 25 per class by floor area; real classes reach the 30s: 40 with margin
const CLASSES_PER_YEAR = 80; // ≈ 11 grades × up to 7 parallel classes in a large school
const WEEK_LESSONS_OF_ONE = 80; // one class, group, student, teacher or room: ≤ 6 days × ≤ 10 lessons, plus subgroup splits
const DAYS_PER_RANGE = 31; // studentDiary / teacherTimetable refuse longer ranges (RANGE_TOO_LONG)
const NARROWING = ['classId', 'groupId', 'studentId', 'teacherId', 'roomId'];

/** Every list field of the schema, by `Type.field` (`*.field`: that field on every type). */
export const LIST_BOUNDS: Record<string, ListBound> = {
  // Root lists
  'Query.schools': { size: 10, why: 'schools one person holds a role in (a teacher of several schools, an analyst of a district\'s schools)' },
  'Query.nodes': { lengthOf: 'ids', why: 'one result per ID asked for (at most 100, checked by the resolver)' },
  'Query.subjects': { size: 100, why: 'subjects of a school, archived included' },
  'Query.rooms': { size: 200, why: 'rooms of a school, archived included' },
  'Query.classes': { size: CLASSES_PER_YEAR, why: 'classes of a year' },
  'Query.classMembers': { size: STUDENTS_PER_CLASS + 10, why: 'a class on one day, with students transferred that day' },
  'Query.classCredentialsSheet': { size: STUDENTS_PER_CLASS * 3, why: 'a row per student and per guardian (≈ 2 per student)' },
  'Query.studentsByConsent': { size: STUDENTS_PER_CLASS, why: 'current students of one class' },
  'Query.studyGroups': { size: 300, narrowed: 30, by: ['classId'], why: 'groups of a year (subgroups and streams of every class); of one class ≤ 30' },
  'Query.bellSchedules': { size: 1 + CLASSES_PER_YEAR + 40, why: 'the school default plus one per class and per group that has its own' },
  'Query.teachingAssignments': { size: 2000, narrowed: 100, by: ['classId', 'groupId', 'teacherId'], why: 'a year: ≈ 80 classes × 20 subjects, plus groups; of one class, group or teacher ≤ 100' },
  'Query.timetable': {
    size: CLASSES_PER_YEAR * 40 + 1000, narrowed: WEEK_LESSONS_OF_ONE, by: NARROWING,
    why: 'weekly entries of a whole school (80 classes × 40 lessons a week, plus groups and individual plans); of one class, group, student, teacher or room ≤ 80',
  },
  'Query.controlWorks': {
    size: 4000, narrowed: 150, by: ['classId', 'groupId', 'studentId'],
    why: 'control works of a school year (≈ 80 classes × 12 subjects × 4); of one class, group or student ≤ 150',
  },
  'Query.studentDiary': { size: DAYS_PER_RANGE, why: 'one entry per day of a range of at most 31 days' },
  'Query.teacherTimetable': { size: DAYS_PER_RANGE, why: 'one entry per day of a range of at most 31 days' },
  // Paginated connections
  'Query.users': { pageArg: 'first', why: 'a page' },
  'Query.staff': { pageArg: 'first', why: 'a page' },
  'Query.auditLog': { pageArg: 'first', why: 'a page' },
  'UserConnection.edges': page,
  'UserConnection.nodes': page,
  'StaffConnection.edges': page,
  'StaffConnection.nodes': page,
  'AuditEntryConnection.edges': page,
  'AuditEntryConnection.nodes': page,
  // Object lists
  'School.academicYears': { size: 12, why: 'years a school keeps online: one per year, the journal is archived after 5 years' },
  'School.gradingSystems': { size: 6, why: 'grading scales of a school (5-point, pass/fail, 10-point, …)' },
  'User.roles': { size: 10, why: 'roles of one person across their schools' },
  'User.students': { size: 10, why: 'a guardian\'s children, or the student themself (only on `me`)' },
  'AcademicYear.periods': { size: 10, why: 'quarters (4), trimesters (3), halves (2) and the year, per grade band' },
  'AcademicYear.holidays': { size: 30, why: 'vacations and public holidays of a year, with the extra ones of grade 1' },
  'StudyPeriod.grades': { size: 12, why: 'grades 0–11' },
  'Holiday.grades': { size: 12, why: 'grades 0–11' },
  'GradingSystem.values': { size: 15, why: 'marks of one scale (a 12-point scale with pass/fail marks)' },
  'SchoolClass.students': { size: STUDENTS_PER_CLASS, why: 'students of a class' },
  'Student.guardians': { size: 6, why: 'parents and legal representatives of one student' },
  'StudyGroup.classes': { size: 10, why: 'parallel classes a stream is drawn from' },
  'StudyGroup.members': { size: 2 * STUDENTS_PER_CLASS, why: 'a stream group drawn from several classes' },
  'ThematicPlan.topics': { size: 210, why: 'one topic per lesson at most: 6 hours a week × 35 weeks' },
  'IndividualPlan.subjects': { size: 30, why: 'subjects of one curriculum' },
  'Curriculum.items': { size: 30, why: 'subjects of one curriculum' },
  'ErasureJob.categories': { size: 2, why: 'the PersonalDataCategory values' },
  'BellSchedule.slots': { size: 12, why: 'lesson numbers 0–11 of a day' },
  'Lesson.controlWorks': { size: 3, why: 'control works held in one lesson' },
  // The journal (R-JOUR): a page is at most 120 days of one subject (≈ 6 lessons a week), a class at most STUDENTS_PER_CLASS
  'Query.studentMarks': { size: 30, why: 'one entry per subject of a student\'s curriculum' },
  'Query.classAttendance': { size: 2000, why: 'absences and latenesses of a class in at most 31 days (≈ 40 students × 23 school days × a few lessons if many are absent)' },
  'Query.workTypes': { size: 40, why: 'work types of a school (the regulations list about a dozen)' },
  'PlannedTopic.coveredOn': { size: 20, why: 'lessons that covered one topic of a plan (its hours, with repeats)' },
  'Lesson.workTypes': { size: 8, why: 'work types done in one lesson' },
  'Lesson.marks': { size: 3 * STUDENTS_PER_CLASS, narrowed: 3, by: ['studentId'], why: 'marks of one lesson: a few per student; of one student ≤ 3' },
  'Lesson.attendance': { size: STUDENTS_PER_CLASS, narrowed: 1, by: ['studentId'], why: 'at most one attendance record per student of the lesson' },
  'Homework.links': { size: 10, why: 'homeworkSet takes at most 10 links' },
  'ClassJournal.lessons': { size: 110, why: 'lessons of one subject in 120 days: at most 6 a week, one a day' },
  'ClassJournal.rows': { size: STUDENTS_PER_CLASS + 5, why: 'students of a class or group over the page\'s range, with the few who left or moved during it' },
  'JournalRow.marks': { size: 100, why: 'a student\'s marks on one page: about one per lesson of at most ≈ 100 lessons of a subject in 120 days' },
  'JournalRow.attendance': { size: 110, why: 'at most one record per lesson of the page' },
  'SubjectMarks.marks': { size: 600, why: 'a student\'s marks in one subject over at most 400 days' },
  'Query.studentFinalMarks': { size: 150, why: 'a student\'s final marks of a year: at most 30 subjects × (4 periods + the year)' },
  'Query.journalReopenings': { size: 500, why: 'reopenings of one period, at most 500 returned (newest first)' },
  'Query.journalCellHistory': { size: 200, why: 'the changes of one cell, the newest 200' },
  'Query.finalMarkHistory': { size: 200, why: 'the changes of one final mark, the newest 200' },
  'SummarySheet.periods': { size: 6, why: 'study periods of a grade in a year (quarters, trimesters or half-years)' },
  'SummarySheet.subjects': { size: 30, why: 'subjects of a class\'s curriculum, federal and school component (about 20)' },
  'SummarySheet.rows': { size: STUDENTS_PER_CLASS + 10, why: 'everyone in the class during the year, with those who left or arrived' },
  'SummarySheetRow.finalMarks': { size: 150, why: 'a student\'s final marks of a year: at most 30 subjects × (4 periods + the year)' },
  'FinalMarkSetPayload.warnings': { size: 2, why: 'one per warning code' },
  'MarksPostPayload.marks': { size: 120, why: 'marksPost takes at most 120 marks' },
  'TeacherLoad.lines': { size: 60, why: 'subject × class/group lines of one teacher' },
  'TeacherLoadLine.assignments': { size: 5, why: 'assignments of one line (split by period or subgroup)' },
  'DiaryDay.lessons': { size: 12, why: 'lessons of one day, extra lessons included' },
  'DiaryDay.controlWorks': { size: 5, why: 'control works of one day' },
  'TeacherDay.lessons': { size: 16, why: 'a teacher\'s lessons of one day in two shifts, substitutions included' },
  'TeacherDay.entries': { size: 20, why: 'a teacher\'s lessons of one day, their own substituted away included' },
  'LessonSlotAvailability.teachers': { size: 300, why: 'the teachers of a school free at one slot' },
  'LessonSlotAvailability.rooms': { size: 200, why: 'the rooms of a school free at one slot' },
  'ProductionCalendar.days': { size: 366, why: 'days of one calendar year' },
  // Messages and acknowledgments (R-JOUR-12, R-DIARY-5)
  'Query.messageThreads': { pageArg: 'first', why: 'a page' },
  'MessageThreadConnection.edges': page,
  'MessageThreadConnection.nodes': page,
  'MessageThread.messages': { pageArg: 'first', why: 'a page' },
  'MessageConnection.edges': page,
  'MessageConnection.nodes': page,
  'AcknowledgmentReport.rows': { size: ACKNOWLEDGMENT_ROWS_MAX, why: 'the current guardians of a class\'s students (≈ 2 per student, a few more)' },
  'AcknowledgmentPayload.acknowledgments': { size: 6, why: 'one per child of the guardian a message concerns (twins in one class)' },
  // Payloads
  '*.userErrors': { size: 10, why: 'one per input field at most' },
  'UserError.field': { size: 5, why: 'depth of an input path (input.topics.3.title)' },
  'ClassCredentialsIssuePayload.issued': { size: STUDENTS_PER_CLASS * 3, why: 'the students and guardians of one class' },
  'StudentTransferPayload.closedGroupMemberships': { size: 30, why: 'groups of one student' },
  'StudentLeavePayload.closedGroupMemberships': { size: 30, why: 'groups of one student' },
  'StudentLeavePayload.blockedUserIds': { size: 7, why: 'the student and their guardians' },
  'TimetableEntryDeletePayload.keptLessons': { size: 40, why: 'dated lessons of one weekly entry in a year (≈ 35 weeks)' },
  'LessonsGeneratePayload.notFitting': { size: 500, why: 'lessons with journal data a timetable rework leaves outside one period (review list for the deputy)' },
};

type Field = GraphQLField<unknown, unknown>;

/** The bound of `Type.field`, or undefined when it has none. */
export function listBound(typeName: string, fieldName: string): ListBound | undefined {
  return LIST_BOUNDS[`${typeName}.${fieldName}`] ?? LIST_BOUNDS[`*.${fieldName}`];
}

/** Fields whose value is a list, or a page of a connection (every one needs a bound). */
function boundedFields(schema: GraphQLSchema): { key: string; type: string; field: Field }[] {
  const out: { key: string; type: string; field: Field }[] = [];
  for (const t of Object.values(schema.getTypeMap())) {
    if (t.name.startsWith('__') || !(isObjectType(t) || isInterfaceType(t))) continue;
    for (const f of Object.values(t.getFields()) as Field[]) {
      if (isListType(getNullableType(f.type)) || f.args.some((a) => a.name === 'first')) out.push({ key: `${t.name}.${f.name}`, type: t.name, field: f });
    }
  }
  return out;
}

/**
 * What is wrong with the bounds table for `schema`: list fields without a bound, entries naming no
 * list field, connection bounds on fields without the argument. Empty when all is well.
 */
export function listBoundProblems(schema: GraphQLSchema): string[] {
  const problems: string[] = [];
  const fields = boundedFields(schema);
  const used = new Set<string>();
  for (const { key, type, field } of fields) {
    const b = listBound(type, field.name);
    if (!b) { problems.push(`${key} is a list without a bound in LIST_BOUNDS (src/schema/cost.ts)`); continue; }
    used.add(LIST_BOUNDS[key] ? key : `*.${field.name}`);
    const arg = 'pageArg' in b ? b.pageArg : 'lengthOf' in b ? b.lengthOf : null;
    if (arg && !field.args.some((a) => a.name === arg)) problems.push(`${key}: bound reads the argument "${arg}", which the field does not have`);
    if ('by' in b) for (const a of b.by) if (!field.args.some((x) => x.name === a)) problems.push(`${key}: narrowing argument "${a}" does not exist`);
  }
  for (const key of Object.keys(LIST_BOUNDS)) if (!used.has(key)) problems.push(`${key} is in LIST_BOUNDS but is no list field of the schema`);
  return problems;
}

/** Throws at start when a list field has no bound: an unbounded list would make the cost rule blind. */
export function assertListBounds(schema: GraphQLSchema): void {
  const problems = listBoundProblems(schema);
  if (problems.length) throw new Error(`Cost bounds incomplete:\n  ${problems.join('\n  ')}`);
}

/** Items a list field can hold for these arguments. */
function itemsOf(bound: ListBound, args: Record<string, unknown>): number {
  if ('page' in bound) return 1;
  if ('pageArg' in bound) return Math.min(Math.max(Number(args[bound.pageArg]) || 0, 0), MAX_PAGE_SIZE);
  if ('lengthOf' in bound) return Array.isArray(args[bound.lengthOf]) ? (args[bound.lengthOf] as unknown[]).length : 1;
  if ('by' in bound && bound.by.some((a) => args[a] != null)) return bound.narrowed;
  return bound.size;
}

/** 1 per field; a list multiplies its selection by its bound. Introspection costs nothing here (graphql-js bounds its depth). */
const estimator: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
  if (type.name.startsWith('__') || field.name.startsWith('__')) return 0;
  const bound = listBound(type.name, field.name);
  if (!bound) return 1 + childComplexity;
  return 1 + itemsOf(bound, args) * Math.max(childComplexity, 1);
};

/** The cost of the operation `operationName` of `document` with `variables` (see the top of this file). */
export function operationCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | null | undefined, operationName?: string | null): number {
  return getComplexity({ schema, query: document, variables: variables ?? {}, operationName: operationName ?? undefined, estimators: [estimator] });
}

/** The verdict on an operation: refused, allowed, or left to execution (its variables do not coerce). */
type Verdict = GraphQLError | null | 'uncoercible';

function price(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | null | undefined, operationName: string | null | undefined, maxCost: number): Verdict {
  const op = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition' && (!operationName || d.name?.value === operationName));
  if (!op) return null;
  if (getVariableValues(schema, op.variableDefinitions ?? [], variables ?? {}).errors) return 'uncoercible';
  let cost: number;
  try {
    cost = operationCost(schema, document, variables, op.name?.value);
  } catch (e) {
    return costError(`The cost of this operation could not be estimated: ${(e as Error).message}`);
  }
  if (cost <= maxCost) return null;
  return costError(`Cost limit of ${maxCost} exceeded, found ${cost}`, cost, maxCost);
}

/**
 * BAD_USER_INPUT (reason COST_LIMIT) when the operation costs more than `maxCost`, else null.
 * Runs where variables are known, before execution: Apollo's didResolveOperation and graphql-ws's
 * onSubscribe. Variables that do not coerce are left to execution, which reports them.
 */
export function checkCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | null | undefined, operationName: string | null | undefined, maxCost: number): GraphQLError | null {
  const verdict = price(schema, document, variables, operationName, maxCost);
  return verdict === 'uncoercible' ? null : verdict;
}

/** Argument names the bounds read: only variables inside these (or `@skip`/`@include`) can change a cost. */
const COST_ARGS = new Set(Object.values(LIST_BOUNDS).flatMap((b) => ('pageArg' in b ? [b.pageArg] : 'lengthOf' in b ? [b.lengthOf] : 'by' in b ? b.by : [])));
const costVariableNames = new WeakMap<DocumentNode, string[]>();

/** The variables of `document` that can change its cost, in document order (computed once per document). */
function costVariables(document: DocumentNode): string[] {
  let names = costVariableNames.get(document);
  if (!names) {
    const found = new Set<string>();
    const collect = (node: ArgumentNode) => visit(node.value, { Variable(v) { found.add(v.name.value); } });
    visit(document, {
      Directive(node) {
        if (node.name.value === 'skip' || node.name.value === 'include') for (const a of node.arguments ?? []) collect(a);
      },
      Field(node) {
        for (const a of node.arguments ?? []) if (COST_ARGS.has(a.name.value)) collect(a);
      },
    });
    names = [...found];
    costVariableNames.set(document, names);
  }
  return names;
}

/**
 * `checkCost` remembering its answers per document object (parsed documents are cached by Apollo
 * and by the WebSocket's document cache) and per value of the variables that can change the cost:
 * a thousand parents subscribing with the same document and their own `studentId` are priced once.
 * Answers where the variables did not coerce are not kept (execution reports them).
 */
export function costChecker(schema: GraphQLSchema, maxCost: number, maxPerDocument = 100) {
  const answers = new WeakMap<DocumentNode, Map<string, GraphQLError | null>>();
  return (document: DocumentNode, variables: Record<string, unknown> | null | undefined, operationName: string | null | undefined): GraphQLError | null => {
    const key = JSON.stringify([operationName ?? null, ...costVariables(document).map((n) => variables?.[n] ?? null)]);
    let known = answers.get(document);
    if (known?.has(key)) return known.get(key)!;
    const answer = price(schema, document, variables, operationName, maxCost);
    if (answer === 'uncoercible') return null;
    if (!known) answers.set(document, (known = new Map()));
    if (known.size >= maxPerDocument) known.delete(known.keys().next().value!);
    known.set(key, answer);
    return answer;
  };
}

const costError = (message: string, cost?: number, limit?: number) =>
  new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, reason: 'COST_LIMIT', cost, limit } });

/**
 * The cost check on HTTP, as an Apollo plugin: after the operation is resolved (variables known),
 * before execution; a refusal is status 400 like the other limits.
 */
export function costPlugin(schema: GraphQLSchema, maxCost: number): ApolloServerPlugin<BaseContext> {
  const check = costChecker(schema, maxCost);
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document }) {
          const e = check(document, request.variables, request.operationName);
          if (e) throw new GraphQLError(e.message, { extensions: { ...e.extensions, http: { status: 400 } } });
        },
      };
    },
  };
}
