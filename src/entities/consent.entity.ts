/** Entities of this feature. */
export const consentEntities: Function[] = [];
