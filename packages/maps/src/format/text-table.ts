/**
 * Ceph's TextTable (src/common/TextTable.cc): columns padded to their widest cell (heading included),
 * separated by two spaces, every line ending in "\n", trailing padding kept.
 */
export type Align = 'left' | 'right' | 'center';

interface Column {
  heading: string;
  hdAlign: Align;
  colAlign: Align;
  width: number;
}

export class TextTable {
  private readonly cols: Column[] = [];
  private readonly rows: string[][] = [];
  private cur: string[] = [];
  columnSeparation = '  ';
  indent = 0;

  defineColumn(heading: string, hdAlign: Align, colAlign: Align = hdAlign): this {
    this.cols.push({ heading, hdAlign, colAlign, width: heading.length });
    return this;
  }

  /** Add one cell to the current row (table << value). */
  cell(v: string | number): this {
    const s = String(v);
    const c = this.cols[this.cur.length];
    if (!c) throw new Error(`TextTable: row has more cells than the ${this.cols.length} columns`);
    c.width = Math.max(c.width, s.length);
    this.cur.push(s);
    return this;
  }

  /**
   * Finish a row that has fewer cells than columns: Ceph's TextTable prints the missing cells as
   * padding (they are empty strings in its row vector).
   */
  fillRow(v: string): this {
    while (this.cur.length < this.cols.length) this.cell(v);
    return this.endrow();
  }

  /** table << TextTable::endrow */
  endrow(): this {
    this.rows.push(this.cur);
    this.cur = [];
    return this;
  }

  row(...cells: (string | number)[]): this {
    for (const c of cells) this.cell(c);
    return this.endrow();
  }

  get rowCount(): number {
    return this.rows.length;
  }

  toString(): string {
    const ind = ' '.repeat(this.indent);
    const line = (cells: string[], align: (c: Column) => Align) =>
      cells.map((s, i) => ind + pad(s, this.cols[i]!.width, align(this.cols[i]!))).join(this.columnSeparation) + '\n';
    let out = line(
      this.cols.map((c) => c.heading),
      (c) => c.hdAlign,
    );
    for (const r of this.rows) out += line(r, (c) => c.colAlign);
    return out;
  }
}

function pad(s: string, width: number, align: Align): string {
  let l = 0;
  let r = 0;
  if (align === 'left') r = width - s.length;
  else if (align === 'right') l = width - s.length;
  else {
    l = Math.floor(width / 2) - Math.floor(s.length / 2);
    r = width - l - s.length;
  }
  return ' '.repeat(Math.max(0, l)) + s + ' '.repeat(Math.max(0, r));
}
