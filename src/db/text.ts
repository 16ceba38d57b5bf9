/*
 * Case folding that does not depend on the database's locale: under the C locale (the embedded
 * server, and many production servers) PostgreSQL's lower() leaves Cyrillic letters unchanged.
 */
const CYRILLIC_UPPER = 'АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ';
const CYRILLIC_LOWER = 'абвгдеёжзийклмнопрстуфхцчшщъыьэюя';

/** SQL: `column` in lower case, Cyrillic included (for case-insensitive equality). */
export const lowerSql = (column: string) => `translate(lower(${column}), '${CYRILLIC_UPPER}', '${CYRILLIC_LOWER}')`;

/** SQL: `column` folded for search: lower case, and ё read as е (names are often written without it). */
export const foldCaseSql = (column: string) => `translate(${lowerSql(column)}, 'ё', 'е')`;

/** The JavaScript counterpart of foldCaseSql, for search terms. */
export const foldCase = (s: string) => s.toLowerCase().replace(/ё/g, 'е');
