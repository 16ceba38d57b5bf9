/** Entities of this feature. */
export const curriculumEntities: Function[] = [];
