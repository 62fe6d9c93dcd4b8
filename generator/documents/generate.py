"""`huifang generate`: the four appendix documents from the workbooks.

Layout of the output folder (created owner-only: the documents carry customer data):

    回访记录表/<单位>/<记录编号>_<客户编号>.docx
    回访计划/<单位>/<单位>_回访计划_<YYYY-MM>.docx
    回访报告/<单位>/<单位>_回访报告_<报告期>.docx
    流失客户档案表/<单位>/<客户编号>.docx

Every file is written whole (temporary file, then rename); re-running replaces files.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import click

from generator import resources, scratch

from generator.workbook import contract as K
from generator.config import Config
from generator import periods
from generator.periods import Period
from generator.output import OutputError, atomic_path, fit_file, prepare_dir, unique_names, windows_reserved
from generator.names import shown
from generator.workbook.reader import Workbook, read_workbook
from generator.documents.render import FastTemplate
from generator.rules import RULES, SEVERITY_LABEL
from generator.documents.templates import NAMES, TEMPLATE_DIR
from generator.kinds import DOCUMENTS
from generator.validate import check_book, collect_paths
from generator.rules.workdays import WorkCalendar

KINDS = tuple(DOCUMENTS)                                     # generator/kinds.py declares them
FOLDERS = {key: kind.folder for key, kind in DOCUMENTS.items()}
PRIVATE = 0o600


# ------------------------------------------------------------------ periods

def parse_period(text: str) -> Period:
    """`2025`, `2025-Q3` or `2025-09`; an OutputError (one Chinese line) otherwise."""
    try:
        return periods.parse_period(text)
    except ValueError as e:
        raise OutputError(str(e)) from None


# ------------------------------------------------------------------ contexts

class Unit:
    """One workbook, with look-ups the contexts need."""

    def __init__(self, book: Workbook, config: Config) -> None:
        self.book = book
        self.name = book.unit
        self.banks = config.banks
        cust = book["客户"]
        self.cust_row = {c: i for i, c in enumerate(cust.col("客户编号")) if c is not None}
        staff = book["人员"]
        self.staff_name = {c: n for c, n in zip(staff.col("工号"), staff.col("姓名")) if c is not None}
        ev = book["事件"]
        self.event_row = {e: i for i, e in enumerate(ev.col("事件编号")) if e is not None}
        self._follow: dict | None = None

    def follow_ups(self, code) -> list[int]:
        """Rows of 流失跟踪 for a customer (indexed once, on first use)."""
        if self._follow is None:
            self._follow = defaultdict(list)
            for k, c in enumerate(self.book["流失跟踪"].col("客户编号")):
                if c is not None:
                    self._follow[c].append(k)
        return self._follow.get(code, [])

    def cval(self, code, column):
        i = self.cust_row.get(code)
        return None if i is None else self.book["客户"].col(column)[i]

    def person(self, code) -> str:
        if code is None:
            return ""
        name = self.staff_name.get(code)
        return f"{name}（{code}）" if name else str(code)


def record_context(u: Unit, i: int, rnd: str) -> dict:
    """The record form of record i; `rnd` is 首次 for the customer's first callback, else 常规."""
    t = u.book["回访记录"]
    col = lambda n: t.col(n)[i]  # noqa: E731
    code = col("客户编号")
    kind = col("回访类型")
    bank = u.banks.get(kind, ())
    questions = []
    for q in bank:
        a = col(q.short) if t.has(q.short) else None
        questions.append({"text": q.text, "answer": a,
                          "flag": "" if a is None or a == q.expected else "（异常）"})
    event = col("关联事件")
    purchase = product = None
    if event in u.event_row:
        ev = u.book["事件"]
        j = u.event_row[event]
        purchase, product = ev.col("事件时间")[j], ev.col("产品")[j]
    topics = {"私募产品回访": ["产品推荐情况", "产品购买情况", "风险披露情况"],
              "新开户回访": ["公司服务情况", "风险披露情况"],
              "投顾新签约回访": ["产品推荐情况", "风险披露情况"]}.get(kind, ["公司服务情况"])
    if kind in ("特殊回访", "资产异动回访", "销户回访", "休眠客户回访", "投诉回访", "其他回访"):
        topics = topics + ["其他"]
    escalated = col("上报合规日期")
    return {
        "c": {"code": code, "name": u.cval(code, "客户名称"), "address": u.cval(code, "联系地址"),
              "email": u.cval(code, "电子邮箱"), "category": u.cval(code, "客户类别"),
              "opened": u.cval(code, "开户日期")},
        "r": {
            "id": col("记录编号"), "kind": kind, "respondent": col("被访人"), "position": "",
            "method": col("回访方式"), "round": rnd, "time": col("回访时间"), "purchase": purchase,
            "product": product, "result": col("回访结果"), "recording": col("录音编号"),
            "attempts": col("拨打次数"), "topics": topics, "questions": questions,
            "bank_name": f"{kind}问卷" if bank else "无规定问卷",
            "attitude": col("服务态度"), "speed": col("响应速度"), "fees": col("乱收费"), "overall": col("整体满意度"),
            "opinion": col("客户意见"), "finding": col("发现问题"), "handling": col("处理结果"),
            "answered": col("意见处理日期"), "complaint": col("是否投诉"), "open_issue": col("遗留问题"),
            "escalated": escalated, "receiver": "风控合规部" if escalated else "",
            "followup": col("处理结果") if col("遗留问题") else "",
            "onsite_opinion": col("客户意见") if col("回访方式") == "面谈" else "",
            "signed": "已签字" if col("客户签字") == "是" else "",
              "signed_date": col("回访时间") if col("客户签字") == "是" else None,
            "caller": u.person(col("回访人员")), "reported": col("报告日期"), "submitted": col("提交审核日期"),
            "extended": col("延期审批") == "是", "reviewer": u.person(col("审核人")), "review_note": col("审核意见"),
            "reviewed": col("审核日期"),
        },
    }


def plan_months(u: Unit, period: Period | None, customers: set) -> list[tuple[str, list[int]]]:
    """(YYYY-MM, plan rows of that month), in month order: one plan document each."""
    t = u.book["回访计划"]
    months: dict[str, list[int]] = defaultdict(list)
    for i, d in enumerate(t.col("计划日期")):
        if d is None or (period and d not in period) or (customers and t.col("客户编号")[i] not in customers):
            continue
        months[f"{d.year}-{d.month:02d}"].append(i)
    return sorted(months.items())


def plan_context(u: Unit, month: str, idx: list[int]) -> dict:
    """The plan document (附件二) of one month: its rows by plan date, the usual preparer and supervisor."""
    t = u.book["回访计划"]
    idx.sort(key=lambda i: (t.col("计划日期")[i], t.rows[i]))
    rows = []
    for n, i in enumerate(idx, 1):
        code = t.col("客户编号")[i]
        rows.append({"seq": n, "customer": u.cval(code, "客户名称"), "code": code,
                     "method": t.col("回访方式")[i], "first": t.col("首次或常规")[i], "kind": t.col("回访类型")[i],
                     "purpose": t.col("回访目的")[i], "topic": t.col("回访主题")[i], "date": t.col("计划日期")[i],
                     "caller": u.person(t.col("回访人员")[i])})
    prep = Counter(t.col("编制人")[i] for i in idx if t.col("编制人")[i]).most_common(1)
    sup = Counter(t.col("部门主管")[i] for i in idx if t.col("部门主管")[i]).most_common(1)
    y, m = month.split("-")
    return {"unit": u.name, "number": f"HFJH-{y}{m}", "month": f"{y}年{int(m)}月", "rows": rows,
            "preparer": u.person(prep[0][0]) if prep else "", "supervisor": u.person(sup[0][0]) if sup else ""}


def report_context(u: Unit, row: int, config: Config, cal: WorkCalendar, today: date) -> dict:
    t = u.book["回访报告"]
    col = lambda n: t.col(n)[row]  # noqa: E731
    p = parse_period(col("报告期"))
    rec = u.book["回访记录"]
    idx = [i for i, when in enumerate(rec.col("回访时间")) if when is not None and when.date() in p]
    kinds, results, methods, custs = rec.col("回访类型"), rec.col("回访结果"), rec.col("回访方式"), rec.col("客户编号")
    who = {custs[i] for i in idx}
    by_type = []
    for kind in K.CALLBACK_TYPES:
        sel = [i for i in idx if kinds[i] == kind]
        if sel:
            r = Counter(results[i] for i in sel)
            by_type.append({"kind": kind, "records": len(sel), "customers": len({custs[i] for i in sel}),
                            "passed": r["回访通过"], "failed": r["回访不通过"], "refused": r["拒绝回访"],
                            "unreachable": r["回访不可达"]})
    r_all = Counter(results[i] for i in idx)
    cats = Counter(u.cval(c, "客户类别") for c in who)
    forms = []
    if any(kinds[i] == "重点客户回访" for i in idx):
        forms.append("大客户回访")
    if any(kinds[i] not in ("重点客户回访", "投诉回访") for i in idx):
        forms.append("常规回访")
    if any(kinds[i] == "投诉回访" for i in idx):
        forms.append("投诉处理")
    as_of = min(p.end, today)
    checked = check_book(u.book, config, as_of, p.start, cal)
    period_rows = {rec.rows[i] for i in idx}
    found = [f for f in checked.findings if _in_period(f, p, period_rows)]
    per_rule = Counter((f.rule, f.severity) for f in found)
    findings = [{"rule": rid, "title": RULES[rid].title, "severity": SEVERITY_LABEL[sev], "count": n}
                for (rid, sev), n in sorted(per_rule.items())]
    callers = sorted({rec.col("回访人员")[i] for i in idx if rec.col("回访人员")[i]})
    return {
        "unit": col("部门") or u.name, "period": p.key, "prepared": col("编制日期"), "start": p.start, "end": p.end,
        "callers": "、".join(u.person(c) for c in callers), "persons": cats["个人"], "orgs": cats["机构"],
        "industry": col("行业") or "", "audience": "直接用户", "purpose": col("回访目的"), "forms": forms,
        "form_text": col("回访形式"), "total": len(who),
        "phone": len({custs[i] for i in idx if methods[i] == "电话"}),
        "onsite": len({custs[i] for i in idx if methods[i] == "面谈"}),
        "effective": len({custs[i] for i in idx if results[i] in ("回访通过", "回访不通过")}),
        "records": len(idx), "passed": r_all["回访通过"], "failed": r_all["回访不通过"], "refused": r_all["拒绝回访"],
        "unreachable": r_all["回访不可达"], "by_type": by_type,
        "issues": sum(1 for i in idx if rec.col("发现问题")[i]),
        "complaints": sum(1 for i in idx if rec.col("是否投诉")[i] == "是"),
        "escalated": sum(1 for i in idx if rec.col("上报合规日期")[i]),
        "as_of": as_of, "errors": sum(f.severity == "error" for f in found),
        "warnings": sum(f.severity == "warning" for f in found), "findings": findings,
        "all_errors": checked.count("error"), "all_warnings": checked.count("warning"),
        "groups": "、".join(f"{s['kind']} {s['customers']} 户" for s in by_type),
        "opinions": col("客户主要意见"), "product_view": col("客户对产品评价"), "product_hope": col("客户对产品期望"),
        "service_view": col("客户对服务评价"), "service_hope": col("客户对服务期望"),
            "measures": col("改善客户服务对策"),
        "problems": col("回访中遇到的问题"), "note": col("备注"), "review": col("主管领导审核意见"),
        "preparer": u.person(col("编制人")),
    }


def _in_period(f, p: Period, record_rows: set) -> bool:
    """A finding of the report's period: one whose deadline fell in it (done late or not done),
    or, without a deadline, one about a callback record of the period."""
    if f.due is not None:
        return f.due in p
    if f.actual is not None:
        return f.actual in p
    return f.sheet == "回访记录" and f.row in record_rows


def lost_context(u: Unit, i: int) -> dict:
    t = u.book["流失客户"]
    col = lambda n: t.col(n)[i]  # noqa: E731
    code = col("客户编号")
    f = u.book["流失跟踪"]
    when, who, said, reaction, note = (f.col(n) for n in ("联系时间", "联系员工", "交流内容", "客户反应", "备注"))
    contacts = sorted(
        ({"time": when[k], "staff": u.person(who[k]), "content": said[k], "reaction": reaction[k], "note": note[k]}
         for k in u.follow_ups(code) if when[k] is not None),
        key=lambda x: x["time"])
    pick = lambda own, cust: col(own) if col(own) is not None else u.cval(code, cust)  # noqa: E731
    return {
        "unit": col("营业部名称") or u.name, "filler": u.person(col("填表人")), "name": pick("客户名称", "客户名称"),
        "sex": pick("性别", "性别"), "lost_on": col("流失日期"), "assets": col("资产市值"), "grade": col("类别"),
        "id_number": pick("证件号码", "证件号码"), "phone": pick("固定电话", "固定电话"),
            "mobile": pick("手机", "手机"),
        "email": pick("电子邮箱", "电子邮箱"), "staff": u.person(col("服务员工")),
            "address": pick("联系地址", "联系地址"),
        "reason": col("流失主要原因"), "category": col("原因分类"), "note": col("其他说明"), "contacts": contacts,
    }


# ------------------------------------------------------------------ generate

def _safe(name: str) -> str:
    """Cell text as a file or folder name on any system: no separators or control characters, no
    leading or trailing dots and spaces (no `..`, no hidden names, none Windows refuses)."""
    text = re.sub(r'[\\/:*?"<>|\x00-\x1f\x7f]', "_", str(name)).strip(" .\t\u3000") or "未命名"
    return f"_{text}" if windows_reserved(text) else text


def jobs(units: list[Unit], kinds, period: Period | None, customers: set, config: Config, today: date):
    """Yield (kind, relative path, make) for every document to write; `make()` builds its context,
    so a run holds one context at a time however many documents it writes."""
    run = Run(period, customers, config, WorkCalendar(config.calendar_years), today)
    folders = unique_names([(_safe(u.name), u.book.path) for u in units])
    for u, folder in zip(units, folders):
        for kind in DOCUMENTS:                  # in the declared order
            if kind in kinds:
                for rel, make in JOBS[kind](u, folder, run):
                    yield kind, Path(FOLDERS[kind], folder, rel), make


@dataclass(frozen=True)
class Run:
    """What every kind's jobs are filtered by."""
    period: Period | None
    customers: set
    config: Config
    cal: WorkCalendar
    today: date


def record_jobs(u: Unit, folder: str, run: Run):
    t = u.book["回访记录"]
    order = sorted(range(len(t)), key=lambda i: (t.col("回访时间")[i] is None, t.col("回访时间")[i] or 0))
    codes, times, ids = t.col("客户编号"), t.col("回访时间"), t.col("记录编号")
    first_seen: set = set()
    for i in order:
        code = codes[i]
        rnd = "常规" if code in first_seen else "首次"
        first_seen.add(code)
        if (run.period and times[i] not in run.period) or (run.customers and code not in run.customers):
            continue
        rid = ids[i] or f"第{t.rows[i]}行"
        yield fit_file(f"{_safe(rid)}_{_safe(code)}", ".docx"), lambda u=u, i=i, rnd=rnd: record_context(u, i, rnd)


def plan_jobs(u: Unit, folder: str, run: Run):
    for month, idx in plan_months(u, run.period, run.customers):
        yield (fit_file(folder, f"_回访计划_{month}.docx"),
               lambda u=u, month=month, idx=idx: plan_context(u, month, idx))


def report_jobs(u: Unit, folder: str, run: Run):
    if run.customers:                 # a report is about a unit, not a customer
        return
    t = u.book["回访报告"]
    for i, label in enumerate(t.col("报告期")):
        if label is None:
            continue
        p = parse_period(label)
        if run.period and not (run.period.start <= p.start and p.end <= run.period.end):
            continue
        yield (fit_file(folder, f"_回访报告_{p.key}.docx"),
               lambda u=u, i=i: report_context(u, i, run.config, run.cal, run.today))


def lost_jobs(u: Unit, folder: str, run: Run):
    t = u.book["流失客户"]
    for i, code in enumerate(t.col("客户编号")):
        if code is None or (run.customers and code not in run.customers) or \
                (run.period and t.col("流失日期")[i] not in run.period):
            continue
        yield fit_file(_safe(code), ".docx"), lambda u=u, i=i: lost_context(u, i)


JOBS = {"record": record_jobs, "plan": plan_jobs, "report": report_jobs,
        "lost": lost_jobs}   # per kind of generator/kinds.py


def generate(paths, out: Path, *, kinds=(), period: str | None = None, customers=(), pdf=False,
             config: Config, progress=False, templates: Path = TEMPLATE_DIR, today: date | None = None,
             books: list[Workbook] | None = None) -> str:
    """Write the documents of the workbooks at `paths` (or of `books` already read, whose paths
    they are) into `out`."""
    kinds = tuple(kinds) or KINDS
    per = parse_period(period) if period else None
    if books is None:
        files = collect_paths(paths)
        contract = K.build_contract(config.banks)
        units = [Unit(read_workbook(p, contract), config) for p in files]
    else:
        files = [b.path for b in books]
        units = [Unit(b, config) for b in books]
    compiled = {}
    for kind in kinds:
        path = Path(templates) / NAMES[kind]
        if not path.is_file():
            raise OutputError(f"{shown(path)}：找不到模板（可运行 python -m generator.documents.templates 重新生成）")
        compiled[kind] = FastTemplate(path)         # damaged or ill-written: a TemplateError, nothing written yet
    today = today or date.today()
    unknown = sorted(set(customers) - {c for u in units for c in u.book["客户"].col("客户编号") if c})
    if unknown:
        raise OutputError(f"客户编号 {'、'.join(unknown[:5])}{' 等' if len(unknown) > 5 else ''} 不在"
                          f"{'任何工作簿' if len(units) > 1 else str(files[0])}的“客户”表中；没有写出文书")
    total = sum(1 for _ in jobs(units, kinds, per, set(customers), config, today))
    if not total:
        raise OutputError(nothing_to_write(units, kinds, per, customers))
    trial_render(compiled, jobs(units, kinds, per, set(customers), config, today))
    out = prepare_dir(Path(out), files, "documents")
    written: Counter = Counter()
    made: list[Path] = []
    with _Progress(total, progress) as bar:
        for kind, rel, make in jobs(units, kinds, per, set(customers), config, today):
            bar.step()
            ctx = make()
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with atomic_path(target, PRIVATE) as tmp:
                compiled[kind].save(ctx, tmp)
            written[kind] += 1
            if pdf:
                made.append(target)
    lines = [f"已写出 {sum(written.values())} 份文书到 {shown(out)}："]
    for kind in KINDS:
        if kind in kinds:
            lines.append(f"  {FOLDERS[kind]}：{written[kind]} 份")
    if pdf:
        lines.append(to_pdf(made))
    return "\n".join(lines)


def nothing_to_write(units: list[Unit], kinds, per: Period | None, customers) -> str:
    """Why a request yields no document, in one line (the command then exits 2)."""
    asked = "、".join(FOLDERS[k] for k in kinds)
    where = f"{per.label}" if per else "工作簿中"
    reasons = []
    if "report" in kinds:
        if customers:
            reasons.append("回访报告按单位编写，不按客户生成（去掉 --customer）")
        else:
            labels = sorted({str(x) for u in units for x in u.book["回访报告"].col("报告期") if x})
            reasons.append("“回访报告”表中没有" + (f"报告期在 {per.label}内的行" if per else "任何报告期")
                           + (f"（已登记的报告期：{'、'.join(labels[:8])}）" if labels else ""))
    if "record" in kinds:
        reasons.append(f"{where}没有回访记录")
    if "plan" in kinds:
        reasons.append(f"{where}没有回访计划")
    if "lost" in kinds:
        reasons.append(f"{where}没有流失客户" + ("（按流失日期）" if per else ""))
    who = f"客户 {'、'.join(customers)} " if customers else ""
    return f"没有可写出的文书（{who}{asked}）：" + "；".join(reasons) + "。没有写出任何文件"


def trial_render(compiled: dict, work) -> None:
    """Fill each template once, in memory, with its first document's data: a template that fails
    (bounds, errors in its marks) fails before the output folder is made."""
    left = set(compiled)
    for kind, _, make in work:
        if kind in left:
            left.discard(kind)
            compiled[kind].render_xml(make())
            if not left:
                return


class _Progress:
    """Progress on standard error: click's bar on a terminal, else a line every few seconds
    (a log or a scheduled job still shows the run is alive), nothing when `mode` is False."""
    EVERY = 5.0

    def __init__(self, total: int, mode) -> None:
        self.total, self.done, self.mode = total, 0, mode
        self.bar = None
        self.last = time.monotonic()

    def __enter__(self) -> _Progress:
        if self.mode == "bar":
            self.bar = click.progressbar(length=self.total, label="生成文书", file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        return self

    def step(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif self.mode == "lines" and time.monotonic() - self.last >= self.EVERY:
            self.last = time.monotonic()
            print(f"生成文书：{self.done - 1:,} / {self.total:,} 份", file=sys.stderr, flush=True)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


SYSTEM_FONTS_CONF = Path("/etc/fonts/fonts.conf")


def soffice_env(environ=None) -> dict:
    """The environment for soffice: on a system with fontconfig (Linux, BSD), FONTCONFIG_FILE names
    huifang's fonts.conf (the system configuration plus 宋体/SimSun and zh-CN → a Simplified Chinese
    face), so a PDF never draws a Japanese face's glyphs. A FONTCONFIG_FILE the user set is kept."""
    env = dict(os.environ if environ is None else environ)
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")) and "FONTCONFIG_FILE" not in env \
            and SYSTEM_FONTS_CONF.is_file():
        env["FONTCONFIG_FILE"] = str(resources.path("fonts.conf"))
    return env


def to_pdf(docs: list[Path]) -> str:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        raise OutputError("未找到 LibreOffice（soffice），无法转换 PDF；.docx 文书已写出。"
                          "请安装 LibreOffice 后重试 --pdf")
    by_dir: dict[Path, list[Path]] = defaultdict(list)
    for d in docs:
        by_dir[d.parent].append(d)
    n = 0
    # a profile of its own: a LibreOffice the user has open (or another run) does not interfere
    # in a folder whose path is UTF-8: LibreOffice does not decode the %XX of other bytes in the URL
    # (it would make its profile beside TMPDIR, and leave it there)
    profile = scratch.scratch_dir("lo")
    try:
        env_arg = f"-env:UserInstallation={profile.as_uri()}"
        env = soffice_env()
        env["TMPDIR"] = str(profile)        # its own temporary files in the profile, removed with it
        for folder, items in by_dir.items():
            for k in range(0, len(items), 200):
                chunk = items[k:k + 200]
                n += _convert(soffice, env_arg, env, folder, chunk, profile / "in")
    finally:
        scratch.remove(profile)
    return f"  PDF：{n} 份（LibreOffice 转换）"


def _convert(soffice: str, env_arg: str, env: dict, folder: Path, chunk: list[Path], staging: Path) -> int:
    """PDFs of a chunk of documents of one folder, written beside them. A folder whose path is not
    UTF-8 (GBK bytes) LibreOffice cannot open: the documents are converted in `staging` (a UTF-8
    path) and the PDFs moved beside them."""
    try:
        str(folder).encode("utf-8")
        work, docs = folder, chunk
    except UnicodeEncodeError:
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        work, docs = staging, [Path(shutil.copyfile(d, staging / f"{i}.docx")) for i, d in enumerate(chunk)]
    try:
        r = subprocess.run([soffice, env_arg, "--headless", "--norestore", "--convert-to", "pdf",
                            "--outdir", str(work), *map(str, docs)],
                           capture_output=True, text=True, timeout=600, env=env)
    except subprocess.TimeoutExpired:
        raise OutputError(f"{shown(folder)}：LibreOffice 转换 PDF 超时") from None
    missing = [d for d, made in zip(chunk, docs) if not made.with_suffix(".pdf").exists()]
    if missing:
        why = (r.stderr or r.stdout).strip().splitlines()[-1:] or [f"退出码 {r.returncode}"]
        raise OutputError(f"{shown(missing[0])}：LibreOffice 未能转换为 PDF（{why[0][:200]}）")
    for d, made in zip(chunk, docs):
        if made is not d:
            shutil.move(made.with_suffix(".pdf"), d.with_suffix(".pdf"))      # (another file system: copied)
        os.chmod(d.with_suffix(".pdf"), PRIVATE)
    return len(chunk)
