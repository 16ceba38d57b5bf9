/** Entities of this feature. */
export const individualPlanEntities: Function[] = [];
