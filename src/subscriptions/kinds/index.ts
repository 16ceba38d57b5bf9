/**
 * Every feature's event kinds, registered on import (src/subscriptions/event-registry.ts). A new
 * kind is one `registerEventKind` in its feature's file, listed here once per file.
 */
import './timetable.events';
import './lesson.events';
import './control-work.events';
import './journal.events';
import './final-mark.events';
import './message.events';
