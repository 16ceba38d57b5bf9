import { readFileSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { AbsenceReason, AttendanceStatus } from '../entities/journal.entity';
import type { DiaryExtract, ExtractAttendance, ExtractDay, ExtractLesson, ExtractMark } from './extract.service';
import { isoWeekday } from './shared';

/*
 * The layout of the weekly diary extract (R-DIARY-4): an A4 page (or more) a guardian without
 * internet gets on paper. Cyrillic needs a font that has it: DejaVu Sans, embedded (subset) from the
 * `dejavu-fonts-ttf` package, so the output is the same on every machine whatever fonts it has.
 */

/**
 * fontkit, pdfkit's own font engine (no type declarations of its own). pdfkit 0.20's
 * `registerFont` takes a font it parsed as well as a file's bytes.
 */
const fontkit = require('fontkit') as { create(buffer: Buffer): ParsedFont };
/** A font parsed by fontkit: what pdfkit looks for (`layout`) to take it as it is. */
interface ParsedFont { postscriptName: string; layout(text: string): unknown }

/**
 * DejaVu Sans regular and bold, read and parsed once per process (on the first extract). Given the
 * files' bytes, each PDF parsed them anew (tables, glyphs, layout: about 20 ms of a ~35 ms document
 * when measured). A document takes from the parsed font only what it draws (its own subset), so one
 * parse serves every document; rendering is synchronous, so documents never use it at the same time.
 */
let fonts: { regular: ParsedFont; bold: ParsedFont } | null = null;
function dejaVu(): { regular: ParsedFont; bold: ParsedFont } {
  fonts ??= {
    regular: fontkit.create(readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'))),
    bold: fontkit.create(readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'))),
  };
  return fonts;
}
/** The @types of pdfkit list only a file's path or bytes as a font source; pdfkit 0.20 itself takes a parsed font too. */
const asFontSource = (font: ParsedFont) => font as unknown as PDFKit.Mixins.PDFFontSource;

const WEEKDAYS = ['Понедельник', 'Вторник', 'Среда', 'Четверг', 'Пятница', 'Суббота', 'Воскресенье'];
const MONTHS = ['января', 'февраля', 'марта', 'апреля', 'мая', 'июня', 'июля', 'августа', 'сентября', 'октября', 'ноября', 'декабря'];
const REASONS: Record<ExtractAttendance['reason'], string> = {
  ILLNESS: 'по болезни',
  EXCUSED: 'по уважительной причине',
  UNEXCUSED: 'без уважительной причины',
  OTHER: 'по другой причине',
};
const CONTROL_FORMS: Record<string, string> = {
  CONTROL_WORK: 'Контрольная работа', TEST: 'Тест', DICTATION: 'Диктант', ESSAY: 'Сочинение', SUMMARY: 'Изложение',
  PRACTICAL: 'Практическая работа', LABORATORY: 'Лабораторная работа', ORAL: 'Устный зачёт', DIAGNOSTIC: 'Диагностическая работа', OTHER: 'Проверочная работа',
};
const CREDITS: Record<string, string> = { TEACHER: 'тема зачтена учителем', COMMISSION: 'тема зачтена комиссией' };

/** 24.11.2025 */
const dmy = (d: string) => `${d.slice(8, 10)}.${d.slice(5, 7)}.${d.slice(0, 4)}`;
/** 24.11 */
const dm = (d: string) => `${d.slice(8, 10)}.${d.slice(5, 7)}`;
/** Понедельник, 24 ноября 2025 */
const dayTitle = (d: string) => `${WEEKDAYS[isoWeekday(d) - 1]}, ${Number(d.slice(8, 10))} ${MONTHS[Number(d.slice(5, 7)) - 1]} ${d.slice(0, 4)}`;

/** A piece of a table cell: regular text unless bold. */
interface Run { text: string; bold?: boolean }

const PAGE = { margin: 36, footer: 28 };
const FONT_SIZE = 8.5;
const PAD = 3;
/** Columns of a day's table: widths add up to the A4 text width (595 − 2 × 36 ≈ 523 pt). */
const COLUMNS: { title: string; width: number }[] = [
  { title: '№', width: 18 },
  { title: 'Время', width: 62 },
  { title: 'Предмет, учитель, тема урока', width: 143 },
  { title: 'Домашнее задание', width: 122 },
  { title: 'Отметки и замечания', width: 98 },
  { title: 'Посещаемость', width: 80 },
];

const markText = (m: ExtractMark): Run[] => [
  { text: `${m.value} — ${m.workType}`, bold: true },
  ...(m.credit ? [{ text: `(${CREDITS[m.credit] ?? m.credit})` }] : []),
  ...(m.comment ? [{ text: `«${m.comment}»` }] : []),
];

const attendanceText = (a: ExtractAttendance): Run[] => [
  { text: a.status === AttendanceStatus.ABSENT ? `Отсутствие ${REASONS[a.reason]}` : `Опоздание${a.minutesLate ? ` на ${a.minutesLate} мин` : ''} ${REASONS[a.reason]}`, bold: a.status === AttendanceStatus.ABSENT },
  ...(a.note ? [{ text: a.note }] : []),
];

/**
 * Characters a table cell shows at most: a row must fit on a page (a topic may have 1000 characters,
 * homework 4000 and ten links). A longer cell ends with «…» and is printed in full below the day's table.
 */
const CELL_CHARS_MAX = 600;

/** The cell cut to CELL_CHARS_MAX characters, and whether it was. */
function fit(runs: Run[]): { runs: Run[]; cut: boolean } {
  let left = CELL_CHARS_MAX;
  const out: Run[] = [];
  for (const r of runs) {
    if (r.text.length <= left) {
      out.push(r);
      left -= r.text.length;
      continue;
    }
    out.push({ ...r, text: `${r.text.slice(0, Math.max(left, 0))}… (полностью — под таблицей дня)` });
    return { runs: out, cut: true };
  }
  return { runs: out, cut: false };
}

function lessonCells(l: ExtractLesson): Run[][] {
  const about: Run[] = [{ text: l.subject, bold: true }];
  if (l.teacher) about.push({ text: l.substitution ? `${l.teacher} (замена)` : l.teacher });
  if (l.cancelled) about.push({ text: `Урок отменён${l.cancelReason ? `: ${l.cancelReason}` : ''}`, bold: true });
  if (l.moved) about.push({ text: 'Урок перенесён' });
  if (l.topic) about.push({ text: `Тема: ${l.topic}` });
  for (const c of l.controlWorks) about.push({ text: `${CONTROL_FORMS[c.form] ?? c.form}${c.title ? `: ${c.title}` : ''}`, bold: true });
  const homework: Run[] = [];
  if (l.homework) {
    homework.push({ text: l.homework.text });
    if (l.homework.pages) homework.push({ text: l.homework.pages });
    if (l.homework.exercises) homework.push({ text: l.homework.exercises });
    for (const link of l.homework.links) homework.push({ text: link });
  }
  return [
    [{ text: String(l.number) }],
    [{ text: l.startsAt && l.endsAt ? `${l.startsAt.slice(0, 5)}–${l.endsAt.slice(0, 5)}` : '' }],
    about,
    homework,
    l.marks.flatMap(markText),
    l.attendance.flatMap(attendanceText),
  ];
}

/** Renders the extract as a PDF document. */
export function renderDiaryExtractPdf(x: DiaryExtract): Promise<Buffer> {
  const { regular, bold } = dejaVu();
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: PAGE.margin, left: PAGE.margin, right: PAGE.margin, bottom: PAGE.margin + PAGE.footer },
    bufferPages: true,
    // No personal data in the metadata: a file's properties travel further than its pages.
    info: { Title: `Выписка из электронного дневника ${dmy(x.from)}–${dmy(x.to)}`, Creator: 'Otmetka', CreationDate: x.generated.instant },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('regular', asFontSource(regular));
  doc.registerFont('bold', asFontSource(bold));
  const left = PAGE.margin;
  const width = doc.page.width - 2 * PAGE.margin;
  const bottom = () => doc.page.height - doc.page.margins.bottom;

  // ---- the heading ----
  doc.font('bold').fontSize(15).text('Выписка из электронного дневника', left, PAGE.margin, { width });
  doc.font('regular').fontSize(10).text(x.schoolName, { width });
  doc.moveDown(0.4);
  const line = (label: string, value: string) => {
    doc.font('bold').fontSize(10).text(`${label}: `, { continued: true }).font('regular').text(value, { width });
  };
  line('Обучающийся', x.studentName);
  line('Класс', x.classes.length === 0 ? '—'
    : x.classes.length === 1 ? x.classes[0].name
      : x.classes.map((c) => `${c.name} (${dm(c.from)}–${dm(c.to)})`).join(', '));
  line('Неделя', `${dmy(x.from)} – ${dmy(x.to)}`);
  doc.moveDown(0.6);

  // ---- the days ----
  const cellHeight = (runs: Run[], w: number) => runs.reduce((h, r) => {
    if (!r.text) return h;
    doc.font(r.bold ? 'bold' : 'regular').fontSize(FONT_SIZE);
    return h + doc.heightOfString(r.text, { width: w - 2 * PAD });
  }, 0);
  /** A row's height: its tallest cell. */
  const rowHeight = (cells: Run[][]) => Math.max(...cells.map((c, i) => cellHeight(c, COLUMNS[i].width))) + 2 * PAD;
  const drawRow = (cells: Run[][], h: number, header = false) => {
    let x0 = left;
    const y0 = doc.y;
    if (header) doc.rect(left, y0, width, h).fill('#e8e8e8').fillColor('black');
    cells.forEach((runs, i) => {
      const w = COLUMNS[i].width;
      doc.lineWidth(0.5).rect(x0, y0, w, h).stroke();
      let y = y0 + PAD;
      for (const r of runs) {
        if (!r.text) continue;
        doc.font(r.bold ? 'bold' : 'regular').fontSize(FONT_SIZE).text(r.text, x0 + PAD, y, { width: w - 2 * PAD });
        y = doc.y;
      }
      x0 += w;
    });
    doc.x = left;
    doc.y = y0 + h;
  };
  const headerCells = COLUMNS.map((c) => [{ text: c.title, bold: true }]);
  const headerHeight = rowHeight(headerCells);
  const ensure = (h: number) => {
    if (doc.y + h > bottom()) {
      doc.addPage();
      doc.x = left;
      doc.y = PAGE.margin;
      return true;
    }
    return false;
  };

  const dayBlock = (d: ExtractDay) => {
    // Cells too long for a row on a page are cut in the table and printed in full after it.
    const overflow: { title: string; runs: Run[] }[] = [];
    const rows = d.lessons.map((l) => {
      const cells = lessonCells(l).map((runs, i) => {
        const fitted = fit(runs);
        if (fitted.cut) overflow.push({ title: `Урок ${l.number}, ${l.subject} — ${COLUMNS[i].title.toLocaleLowerCase('ru')}`, runs });
        return fitted.runs;
      });
      return { cells, height: rowHeight(cells) };
    });
    // The day's title stays with its table's header and first lesson.
    ensure(22 + headerHeight + (rows.length ? rows[0].height : 0));
    doc.font('bold').fontSize(11).text(dayTitle(d.date), left, doc.y, { width });
    if (d.holiday) doc.font('regular').fontSize(9).text(`Каникулы: ${d.holiday}`, { width });
    if (!rows.length) {
      if (!d.holiday) doc.font('regular').fontSize(9).fillColor('#555555').text('Уроков нет', { width }).fillColor('black');
      doc.moveDown(0.5);
      return;
    }
    doc.moveDown(0.2);
    drawRow(headerCells, headerHeight, true);
    for (const { cells, height } of rows) {
      if (ensure(height)) {
        doc.font('bold').fontSize(9).text(`${dayTitle(d.date)} (продолжение)`, left, doc.y, { width });
        drawRow(headerCells, headerHeight, true);
      }
      drawRow(cells, height);
    }
    for (const o of overflow) {
      doc.moveDown(0.3);
      doc.font('bold').fontSize(FONT_SIZE).text(o.title, left, doc.y, { width });
      for (const r of o.runs) doc.font(r.bold ? 'bold' : 'regular').fontSize(FONT_SIZE).text(r.text, { width });
    }
    doc.moveDown(0.7);
  };
  for (const d of x.days) dayBlock(d);

  // ---- the week in short ----
  const lessons = x.days.flatMap((d) => d.lessons);
  const bySubject = new Map<string, string[]>();
  for (const l of lessons) if (l.marks.length) bySubject.set(l.subject, [...(bySubject.get(l.subject) ?? []), ...l.marks.map((m) => m.value)]);
  const absences = lessons.flatMap((l) => l.attendance).filter((a) => a.status === AttendanceStatus.ABSENT);
  const lates = lessons.flatMap((l) => l.attendance).filter((a) => a.status === AttendanceStatus.LATE);
  const count = (reason: AbsenceReason) => absences.filter((a) => a.reason === reason).length;
  ensure(70 + 14 * bySubject.size);
  doc.font('bold').fontSize(11).text('Итоги недели', left, doc.y, { width });
  doc.font('regular').fontSize(9);
  if (bySubject.size === 0) doc.text('Отметок за неделю нет.', { width });
  for (const [subject, values] of [...bySubject].sort(([a], [b]) => a.localeCompare(b, 'ru'))) {
    doc.text(`${subject}: ${values.join(', ')}`, { width });
  }
  doc.text(`Пропущено уроков: ${absences.length}`
    + (absences.length ? ` (по болезни — ${count(AbsenceReason.ILLNESS)}, по уважительной причине — ${count(AbsenceReason.EXCUSED)}, без уважительной причины — ${count(AbsenceReason.UNEXCUSED)}, по другой причине — ${count(AbsenceReason.OTHER)})` : '')
    + `; опозданий: ${lates.length}.`, { width });
  doc.moveDown(1.5);
  doc.text('Подпись родителя (законного представителя): ______________________      Дата: ______________', { width });

  // ---- footers: when it was made, page N of M ----
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottomMargin = doc.page.margins.bottom;
    // Writing below the bottom margin would start a new page.
    doc.page.margins.bottom = 0;
    doc.font('regular').fontSize(7.5).fillColor('#555555').text(
      `Сформировано ${dmy(x.generated.date)} в ${x.generated.time} (${x.generated.timeZone}) · страница ${i - range.start + 1} из ${range.count}`,
      left, doc.page.height - PAGE.margin - 10, { width, align: 'center', lineBreak: false },
    );
    doc.fillColor('black');
    doc.page.margins.bottom = bottomMargin;
  }
  doc.end();
  return done;
}
