/** Resolvers of the timetable feature. */
export const timetableResolvers: Function[] = [];
