/** Issue 9 §1: the class teacher's 900-byte query, 15 aliases of class → students → class → … five lists deep. */
export const ATTACK = `query Attack($id: ID!) {\n${Array.from({ length: 15 }, (_, i) =>
  `  a${i}: schoolClass(id: $id) { students { currentClass { students { currentClass { students { id fullName } } } } } }`).join('\n')}\n}`;
