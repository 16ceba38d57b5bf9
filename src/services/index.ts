import type { AppConfig } from '../config';
import { AuthService } from './auth.service';
import { YearService } from './year.service';
import { AuditService } from './audit.service';
import { NodeService } from './node.service';
import { CatalogService } from './catalog.service';
import { RosterService } from './roster.service';
import { GroupService } from './group.service';
import { ConsentService } from './consent.service';
import { TimetableService } from './timetable.service';
import { LessonService } from './lesson.service';
import { ControlWorkService } from './control-work.service';
import { DiaryService } from './diary.service';
import { EventService } from './event.service';
import { ProductionCalendarService } from './production-calendar.service';
import { SchoolZones } from './school-zones';
import { JournalService } from './journal.service';
import { FinalMarkService } from './final-mark.service';
import { ExtractService } from './extract.service';
import { MessageService } from './message.service';

/** Stateless services, created once per process; every method takes the operation's context. */
export function createServices(config: AppConfig) {
  return {
    auth: new AuthService(config),
    year: new YearService(config),
    audit: new AuditService(config),
    node: new NodeService(),
    catalog: new CatalogService(config),
    roster: new RosterService(config),
    groups: new GroupService(config),
    consent: new ConsentService(config),
    timetable: new TimetableService(config),
    lessons: new LessonService(config),
    controlWorks: new ControlWorkService(config),
    diary: new DiaryService(config),
    events: new EventService(),
    productionCalendar: new ProductionCalendarService(config),
    schoolZones: new SchoolZones(),
    journal: new JournalService(config),
    finalMarks: new FinalMarkService(config),
    extract: new ExtractService(),
    messages: new MessageService(config),
  };
}
export type Services = ReturnType<typeof createServices>;
