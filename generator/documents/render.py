"""Rendering docxtpl templates: sandboxed, bounded, autoescaped, and compiled once per template.

`FastTemplate` does what `DocxTemplate.render` + `save` do for a template without
pictures or sub-documents, but prepares everything that does not depend on the context
once: the template's zip parts, its patched XML and the compiled Jinja template. Each
document is then one Jinja render, docxtpl's own table fix-up, and one zip write. The
text of the result is the same as plain docxtpl's (tests/test_documents.py checks it).

Templates are edited by staff, so every template is rendered by `GuardedEnvironment`: Jinja's
immutable sandbox (no attribute escape, no changing lists or dicts) with bounds on what one
document may cost. Every failure of a template, at loading or at filling, is a `TemplateError`:
one Chinese line naming the template, the line of the (docxtpl-patched) document XML and the text
of that paragraph. The bounds, all per document and checked without signals (so they hold on any
thread and on Windows):

- `range()` at most MAX_RANGE items; loop iterations and calls together at most MAX_STEPS;
- a wall-clock budget of TIME_LIMIT seconds, looked at on every loop iteration, call and output piece;
- nested calls (a macro calling itself) at most MAX_DEPTH deep;
- `*`, `+`, `**`, `%`, `~`, the filters and string methods that make text longer: a result of at
  most MAX_SIZE characters or list items (counted before it is made), numbers of at most MAX_BITS
  bits, format widths of at most MAX_WIDTH;
- the document at most MAX_OUTPUT characters of XML.

A loop that neither iterates a guarded loop nor calls nor writes (such as comparing two huge equal
structures) is not interrupted by the clock; the size bounds keep such structures from being built.
"""
from __future__ import annotations

import html
import re
import string
import time
import zipfile
import zlib
from datetime import date, datetime
from functools import update_wrapper
from pathlib import Path
from types import BuiltinMethodType, FunctionType

from docx.opc.exceptions import PackageNotFoundError
from docxtpl import DocxTemplate
from jinja2 import Template, nodes
from jinja2 import exceptions as jx
from jinja2.compiler import CodeGenerator, optimizeconst
from jinja2.runtime import StrictUndefined, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from lxml import etree

from generator.names import shown
from generator.errors import HuifangError
from generator.zipparts import DeflatedPart, add_deflated

BOX_ON, BOX_OFF = "☑", "☐"


def cn_date(v) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, (date, datetime)):
        return f"{v.year}年{v.month}月{v.day}日"
    return str(v)


def cn_datetime(v) -> str:
    if isinstance(v, datetime):
        return f"{v.year}年{v.month}月{v.day}日 {v:%H:%M}"
    return cn_date(v)


def money(v) -> str:
    if v is None or v == "":
        return ""
    return f"{v:,.2f}"


def box(value, option) -> str:
    """☑ when `value` is `option` (or contains it, for a list or set), else ☐."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return BOX_ON if option in value else BOX_OFF
    return BOX_ON if value == option else BOX_OFF


MAX_RANGE = 10_000           # items of one range()
MAX_STEPS = 1_000_000        # loop iterations and calls in one document
MAX_DEPTH = 40               # nested calls (macros)
MAX_SIZE = 1_000_000         # characters of a string, items of a list (nested lists counted in full)
MAX_BITS = 4_096             # bits of an integer made by * or **
MAX_WIDTH = 1_000            # a format width or a filter's width argument
MAX_OUTPUT = 64_000_000      # characters of one document's XML
TIME_LIMIT = 10.0            # seconds for one document


class TemplateError(HuifangError):
    """A template that cannot be loaded or filled. One Chinese line: the template, line, paragraph text."""


class LimitExceeded(Exception):
    """A bound of GuardedEnvironment was reached (turned into a TemplateError with the template line)."""


class _FilterFailed(Exception):
    def __init__(self, name: str, value, error: Exception) -> None:
        super().__init__(name)
        self.name, self.value, self.error = name, value, error


def _weight(value, limit: int = MAX_SIZE) -> int:
    """Characters and items in `value`, nested lists and dicts counted each time they appear
    (as str() would write them out); counting stops a little past `limit`."""
    if isinstance(value, str):
        return len(value)
    if not isinstance(value, (list, tuple, dict, set, frozenset)):
        return 1
    total, stack = 0, [value]
    while stack and total <= limit:
        x = stack.pop()
        if isinstance(x, str):
            total += len(x)
        elif isinstance(x, dict):
            total += len(x)
            stack.extend(x.keys())
            stack.extend(x.values())
        elif isinstance(x, (list, tuple, set, frozenset)):
            total += len(x)
            stack.extend(x)
        else:
            total += 1
    return total


def _too_big(size: int, what: str = "生成的文字或列表") -> None:
    if size > MAX_SIZE:
        raise LimitExceeded(f"{what}超出限制（最多 {MAX_SIZE:,} 个字符或元素）")


def _check_width(n, what: str) -> None:
    if isinstance(n, int) and not isinstance(n, bool) and abs(n) > MAX_WIDTH:
        raise LimitExceeded(f"{what} {n} 超出限制（最多 {MAX_WIDTH}）")


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_percent_format(fmt: str) -> None:
    for m in _PERCENT_SPEC.finditer(fmt):
        for g in m.groups():
            if g == "*":
                raise LimitExceeded("格式中的宽度 * 超出限制（请写明宽度）")
            if g:
                _check_width(int(g), "格式宽度")


def _check_brace_format(fmt: str) -> None:
    try:
        fields = list(string.Formatter().parse(fmt))
    except ValueError:
        return                  # str.format reports the error itself
    for _, _, spec, _ in fields:
        if spec and "{" in spec:
            raise LimitExceeded("格式中嵌套的 {} 宽度超出限制（请写明宽度）")
        for n in re.findall(r"\d+", spec or ""):
            _check_width(int(n), "格式宽度")


def _int_bits(x) -> int:
    return x.bit_length() if isinstance(x, int) else 0


class _GuardedCodeGenerator(CodeGenerator):
    """Jinja's code generator with two hooks: every loop iterates through environment.guard_loop,
    every `~` goes through environment.guard_concat."""

    def visit_For(self, node, frame) -> None:
        it = node.iter
        if not (isinstance(it, nodes.Call) and isinstance(it.node, nodes.EnvironmentAttribute)
                and it.node.name == "guard_loop"):
            node.iter = nodes.Call(nodes.EnvironmentAttribute("guard_loop"), [it], [], None, None, lineno=it.lineno)
        super().visit_For(node, frame)

    @optimizeconst
    def visit_Concat(self, node, frame) -> None:
        if frame.eval_ctx.volatile:
            func_name = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            func_name = "markup_join"
        else:
            func_name = "str_join"
        self.write(f"environment.guard_concat({func_name}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _Budget:
    """What one document has used so far."""

    def __init__(self) -> None:
        self.deadline = time.monotonic() + TIME_LIMIT
        self.steps = 0
        self.depth = 0

    def step(self) -> None:
        self.steps += 1
        self.check()

    def check(self) -> None:
        if self.steps > MAX_STEPS:
            raise LimitExceeded(f"循环和调用次数超出限制（每份文书最多 {MAX_STEPS:,} 次）")
        if not self.steps & 255:
            self.clock()

    def clock(self) -> None:
        if time.monotonic() > self.deadline:
            raise LimitExceeded(f"填写一份文书的时间超出限制（{TIME_LIMIT:g} 秒）")


# filters that can make a much longer result than their input, and how long it will be
def _est_join(value, d="", attribute=None, *_):
    items = list(value) if not isinstance(value, str) else value
    return _weight(items) + len(str(d)) * max(len(items) - 1, 0)


def _est_replace(s, old, new, count=None, *_):
    s, old, new = str(s), str(old), str(new)
    n = s.count(old) if old else len(s) + 1
    if count is not None and isinstance(count, int) and count >= 0:
        n = min(n, count)
    return len(s) + n * max(len(new) - len(old), 0)


def _est_indent(s, width=4, *_ , **kw):
    width = kw.get("width", width)
    w = len(width) if isinstance(width, str) else width
    _check_width(w, "缩进宽度")
    return len(str(s)) * (1 + (w if isinstance(w, int) else 0))


def _est_center(s, width=80, *_):
    _check_width(width, "宽度")
    return len(str(s)) + (width if isinstance(width, int) else 0)


def _est_format(s, *args, **kwargs):
    _check_percent_format(str(s))
    return len(str(s)) + _weight(list(args) + list(kwargs.values()))


_ESTIMATES = {"join": _est_join, "replace": _est_replace, "indent": _est_indent, "center": _est_center,
              "format": _est_format}
_SERIALIZING = {"string", "tojson", "pprint", "sum", "e", "escape", "forceescape", "safe", "urlize", "xmlattr",
                "striptags", "wordcount", "trim", "upper", "lower", "title", "capitalize", "truncate",
                "wordwrap", "unique", "sort", "dictsort", "min", "max", "groupby", "list", "reverse"}


class GuardedTemplate(Template):
    """A compiled template whose render() keeps to the bounds and fails with a TemplateError."""

    def render(self, *args, **kwargs) -> str:
        env = self.environment
        ctx = self.new_context(dict(*args, **kwargs))
        budget = env.budget = _Budget()
        out, size = [], 0
        pieces = self.root_render_func(ctx)
        try:
            for n, piece in enumerate(pieces):
                size += len(piece)
                if size > MAX_OUTPUT:
                    raise LimitExceeded(f"文书内容超出限制（最多 {MAX_OUTPUT:,} 个字符）")
                out.append(piece)
                if not n & 63:
                    budget.clock()
            budget.clock()
            return "".join(out)
        except Exception as e:     # every failure of a staff-written template is told in one line
            frame = getattr(pieces, "gi_frame", None)     # stopped here, between two pieces: where it was writing
            if isinstance(e, LimitExceeded) and frame is not None:
                e.lineno = self.get_corresponding_lineno(frame.f_lineno)
            raise env.explain(e, getattr(self, "huifang_source", "")) from None
        finally:
            env.budget = None


class GuardedEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, bounded (see the module docstring). One per template file, so that errors name it."""
    code_generator_class = _GuardedCodeGenerator
    template_class = GuardedTemplate
    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def __init__(self, path: Path, **kwargs) -> None:
        super().__init__(**kwargs)
        self.path = Path(path)
        self.budget: _Budget | None = None
        self.globals["range"] = self.guard_range

    def _tick(self) -> _Budget:
        budget = self.budget
        if budget is None:              # rendered outside GuardedTemplate.render: a budget of its own
            budget = self.budget = _Budget()
        budget.steps += 1
        if budget.steps > MAX_STEPS or not budget.steps & 255:
            budget.check()
        return budget

    # ---- hooks called by the compiled templates
    def guard_range(self, *args):
        rng = range(*args)
        if len(rng) > MAX_RANGE:
            raise LimitExceeded(f"range 的 {len(rng):,} 项超出限制（最多 {MAX_RANGE:,} 项）")
        return rng

    def guard_loop(self, iterable):
        if isinstance(iterable, Undefined):
            return iterable
        return self._iterate(iterable)

    def _iterate(self, iterable):
        for item in iterable:
            self._tick()
            yield item

    def guard_concat(self, join, parts):
        _too_big(sum(_weight(p) for p in parts), "用 ~ 连接的文字")
        return join(parts)

    def call_binop(self, context, operator, left, right):
        if operator in ("*", "+"):
            if isinstance(left, int) and isinstance(right, int):
                if operator == "*" and _int_bits(left) + _int_bits(right) > MAX_BITS:
                    raise LimitExceeded(f"乘法得到的数字超出限制（最多 {MAX_BITS} 位二进制）")
            elif operator == "*":
                seq, n = (left, right) if isinstance(right, int) else (right, left)
                if isinstance(n, int) and not isinstance(seq, (int, float)):
                    _too_big(_weight(seq) * max(n, 0), "乘法得到的文字或列表")
            else:
                _too_big(_weight(left) + _weight(right), "相加得到的文字或列表")
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0 \
                    and right * _int_bits(left) > MAX_BITS:
                raise LimitExceeded(f"乘方得到的数字超出限制（最多 {MAX_BITS} 位二进制）")
        elif operator == "%" and isinstance(left, str):
            _check_percent_format(left)
            _too_big(len(left) + _weight(right), "格式化得到的文字")
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # Jinja's own signature
        budget = __self._tick()
        budget.depth += 1
        try:
            if budget.depth > MAX_DEPTH:
                raise LimitExceeded(f"嵌套调用超出限制（最多 {MAX_DEPTH} 层；是否有宏调用了它自己？）")
            _check_method(__obj, args, kwargs)
            return super().call(__context, __obj, *args, **kwargs)
        finally:
            budget.depth -= 1

    # ---- filters: each bounded, and its failure named
    def guard_filters(self) -> None:
        for name, f in list(self.filters.items()):
            self.filters[name] = self._guarded_filter(name, f)

    def _guarded_filter(self, name: str, f):
        passes = getattr(f, "jinja_pass_arg", None) is not None
        estimate = _ESTIMATES.get(name)
        check_value = name in _SERIALIZING

        def guarded(*args, **kwargs):
            self._tick()
            real = args[1:] if passes else args
            value = real[0] if real else None
            if estimate is not None:
                _too_big(estimate(*real, **kwargs), f"过滤器 {name} 得到的文字")
            elif check_value:
                _too_big(_weight(value), f"过滤器 {name} 处理的数据")
            try:
                result = f(*args, **kwargs)
            except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError, IndexError) as e:
                if isinstance(e, jx.TemplateError):
                    raise
                raise _FilterFailed(name, value, e) from e
            if isinstance(result, (str, list, tuple)):
                _too_big(_weight(result), f"过滤器 {name} 得到的文字或列表")
            return result
        return update_wrapper(guarded, f)

    # ---- compiling and explaining
    def from_string(self, source, globals=None, template_class=None):
        try:
            t = super().from_string(source, globals, template_class)
        except jx.TemplateSyntaxError as e:
            lineno = e.lineno
            if re.search(r"(?i)unexpected end of template", e.message or ""):
                lineno = self._unclosed(source) or lineno      # where the block opens, not the end
            raise TemplateError(self.line(lineno, source, _syntax_message(e))) from None
        t.huifang_source = source
        return t

    _CLOSES = {"for", "if", "macro", "call", "filter", "block", "with", "autoescape"}

    def _unclosed(self, source: str) -> int | None:
        """The line of the innermost block tag left open (a {% for %} without its {% endfor %})."""
        stack: list[tuple[str, int]] = []
        after_begin = False
        try:
            for lineno, kind, value in self.lex(source):
                if kind == "block_begin":
                    after_begin = True
                    continue
                if kind == "whitespace":
                    continue
                if after_begin and kind == "name":
                    if value in self._CLOSES:
                        stack.append((value, lineno))
                    elif value.startswith("end") and stack and stack[-1][0] == value[3:]:
                        stack.pop()
                after_begin = False
        except jx.TemplateSyntaxError:
            pass
        return stack[-1][1] if stack else None

    def line(self, lineno: int | None, source: str, what: str) -> str:
        where = f"模板 {self.path}"
        if lineno:
            where += f" 第 {lineno} 行"
            near = _near(source, lineno)
            if near:
                where += f"（“{near}”）"
        return f"{where}：{what}"

    def explain(self, e: Exception, source: str) -> TemplateError:
        lineno = getattr(e, "lineno", None) if isinstance(e, LimitExceeded) else None
        lineno = lineno or _template_line(e)
        m = re.search(r"No (filter|test) named '([^']*)'", str(e))
        if m:       # raised where the template starts, not where the name is used: look the name up
            use = r"\|\s*%s\b" if m[1] == "filter" else r"\bis\s+(?:not\s+)?%s\b"
            found = [k for k, text in enumerate(source.splitlines(), 1) if re.search(use % re.escape(m[2]), text)]
            lineno = found[0] if found else lineno
        return TemplateError(self.line(lineno, source, _runtime_message(e)))


_MESSAGES = (
    (r"No filter named '([^']*)'", "没有名为 {0} 的过滤器"),
    (r"No test named '([^']*)'", "没有名为 {0} 的测试"),
    (r"(?i)unexpected end of template", "标记没有结束（是否缺少 {{% endfor %}}、{{% endif %}} 或 }}}}？）"),
    (r"expected token 'end of print statement', got '([^']*)'", "{{{{ 之后缺少 }}}}（此处是 {0}）"),
    (r"expected token 'end of statement block', got '([^']*)'", "{{% 之后缺少 %}}（此处是 {0}）"),
    (r"Encountered unknown tag '([^']*)'", "不认识的标记 {0}"),
    (r"unexpected '([^']*)'", "标记中有多余的 {0}"),
    (r"expected token '([^']*)', got '([^']*)'", "标记写法有误：此处应为 {0}，却是 {1}"),
)


def _translate(message: str) -> str | None:
    for pattern, zh in _MESSAGES:
        m = re.search(pattern, message or "")
        if m:
            return zh.format(*m.groups())
    return None


def _syntax_message(e: jx.TemplateSyntaxError) -> str:
    return _translate(e.message) or f"标记写法有误（{e.message}）"


def _describe(value) -> str:
    if isinstance(value, Undefined):
        return "未定义的数据"
    if value is None:
        return "空值"
    if isinstance(value, str):
        text = value if len(value) <= 20 else value[:20] + "…"
        return f"文字“{text}”"
    if isinstance(value, bool):
        return "是/否值"
    if isinstance(value, (int, float)):
        return f"数字 {value}"
    if isinstance(value, (date, datetime)):
        return f"日期 {value}"
    if isinstance(value, (list, tuple)):
        return "列表"
    return type(value).__name__


def _runtime_message(e: Exception) -> str:
    if isinstance(e, LimitExceeded):
        return str(e)
    if isinstance(e, RecursionError):
        return "嵌套过深，超出限制（是否有宏调用了它自己？）"
    if isinstance(e, MemoryError):
        return "占用内存超出限制"
    if isinstance(e, _FilterFailed):
        return f"过滤器 {e.name} 不能用于{_describe(e.value)}（{type(e.error).__name__}: {e.error}）"
    if isinstance(e, ZeroDivisionError):
        return "除数为零"
    if isinstance(e, OverflowError):
        return f"数值超出限制（{e}）"
    if isinstance(e, jx.SecurityError):
        return "模板中有不允许的操作（模板只能填写数据）"
    if isinstance(e, jx.UndefinedError):
        return f"找不到数据项（{e.message}）"
    if isinstance(e, jx.TemplateError):
        return _translate(e.message) or f"填写时出错（{e.message}）"
    if isinstance(e, (TypeError, ValueError)):
        return f"数据类型不符（{type(e).__name__}: {e}）"
    return f"填写时出错（{type(e).__name__}: {e}）"


def _template_line(e: BaseException) -> int | None:
    """The template line the error happened at: the innermost frame of compiled template code."""
    line = None
    seen = set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        tb = e.__traceback__
        while tb is not None:
            t = tb.tb_frame.f_globals.get("__jinja_template__")
            if t is not None:
                line = t.get_corresponding_lineno(tb.tb_lineno)
            tb = tb.tb_next
        if line is not None:
            return line
        e = e.__cause__ or e.__context__
    return line


def _near(source: str, lineno: int) -> str:
    """The text of the paragraph on a line of the patched XML (each paragraph starts a line)."""
    lines = source.splitlines()
    if not 1 <= lineno <= len(lines):
        return ""
    text = html.unescape(re.sub(r"<[^>]*>", "", lines[lineno - 1])).strip()
    if not text and lineno > 1:      # a line of markup only: the paragraph before it
        text = html.unescape(re.sub(r"<[^>]*>", "", lines[lineno - 2])).strip()
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= 60 else text[:60] + "…"


_AMPLIFYING = {"center", "ljust", "rjust", "zfill", "expandtabs"}


def _check_method(obj, args, kwargs) -> None:
    """Bounds for the string methods a template may call (the sandbox allows them)."""
    kind = type(obj)
    if kind is FunctionType and obj.__name__ in ("format", "format_map"):
        obj = getattr(obj, "__wrapped__", obj)      # str.format comes wrapped by the sandbox
    elif kind is not BuiltinMethodType:
        return
    owner = getattr(obj, "__self__", None)
    if not isinstance(owner, str):
        return
    name = obj.__name__
    if name in _AMPLIFYING:
        for a in (*args, *kwargs.values()):
            _check_width(a, f"{name} 的宽度")
    elif name == "join" and args:
        _too_big(_est_join(args[0], owner), "join 得到的文字")
    elif name == "replace" and len(args) >= 2:
        _too_big(_est_replace(owner, *args[:3]), "replace 得到的文字")
    elif name in ("format", "format_map"):
        _check_brace_format(owner)
        _too_big(len(owner) + _weight(list(args) + list(kwargs.values())), "format 得到的文字")


def make_env(path: Path = Path("模板")) -> GuardedEnvironment:
    """Templates are edited by staff: a bounded sandbox, autoescape on, None shown as blank."""
    env = GuardedEnvironment(path, autoescape=True, finalize=_finalize, undefined=StrictUndefined)
    env.filters.update(cn_date=cn_date, cn_datetime=cn_datetime, money=money)
    env.globals.update(box=box)
    env.guard_filters()
    return env


def _finalize(v):
    if v is None:
        return ""
    if isinstance(v, str) and _NOT_XML.search(v):
        # a control character (Excel keeps Word's line break as _x000B_) has no place in XML: the
        # document would not open. A line or page break becomes a space, the others go
        return type(v)(_NOT_XML.sub(_xml_char, v))
    if isinstance(v, (list, tuple, dict, set, frozenset)):
        _too_big(_weight(v), "要写出的列表")
    return v


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_char(m: re.Match) -> str:
    return " " if m.group() in "\x0b\x0c" else ""


def open_docx(path: Path) -> DocxTemplate:
    """The template loaded, or a TemplateError saying it is damaged or unreadable."""
    path = Path(path)
    try:
        doc = DocxTemplate(str(path))
        doc.init_docx()
        doc.render_init()
        return doc
    except (PackageNotFoundError, zipfile.BadZipFile, zlib.error, EOFError):
        why = "不是完整的 .docx 文件：可能为空、只复制了一部分，或不是 Word 文档"
    except etree.XMLSyntaxError as e:
        why = f"其中的 XML 有误，第 {e.lineno} 行"
    except KeyError as e:
        why = f"缺少必需的部分 {e.args[0] if e.args else ''}"
    except ValueError as e:
        why = "不是 Word 文档" if "not a Word file" in str(e) else f"无法读取（{e}）"
    except OSError as e:
        raise TemplateError(f"模板 {shown(path)} 无法读取（{e.strerror or e}）") from None
    raise TemplateError(f"模板 {shown(path)} 已损坏（{why}），请在 Word 或 WPS 中打开后另存为 .docx，"
                        "或从 doc_templates/ 复制一份重新修改")


def render_plain(template: Path, context: dict, target: Path) -> None:
    """Plain docxtpl: a fresh template per document (the benchmark's baseline), rendered guarded too."""
    tpl = open_docx(template)
    tpl.render(context, make_env(Path(template)), autoescape=True)
    tpl.save(str(target))


_P_OPEN = re.compile(r"<w:p([ >])")
_P_BACK = re.compile(r"\n<w:p([ >])")


class FastTemplate:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.env = make_env(self.path)
        self._doc = open_docx(self.path)
        part = self._doc.docx._part
        self.part_name = part.partname.lstrip("/")
        xml = self._doc.patch_xml(self._doc.get_xml())
        self.template = self.env.from_string(_P_OPEN.sub(r"\n<w:p\1", xml))
        self.root = self._doc.docx._element
        # a template whose tables fix_tables cannot change and that holds no pictures needs neither
        # the re-parse nor the id renumbering: its rendered body is spliced between the document's
        # bytes before and after the body, serialized once here
        self.direct = "docPr" not in xml and _tables_fixed(xml)
        body = self.root.body
        mark = etree.Element(body.tag)            # an empty body: serialized as <w:body/> in the root
        self.root.replace(body, mark)
        try:
            whole = etree.tostring(self.root, encoding="UTF-8", standalone=True)
        finally:
            self.root.replace(mark, body)
        self.head, _, self.tail = whole.partition(b"<w:body/>")
        self.direct = self.direct and bool(self.tail)
        self._checked = False
        try:
            with zipfile.ZipFile(path) as z:
                parts = [(info.filename, z.read(info.filename)) for info in z.infolist()]
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:
            raise TemplateError(f"模板 {shown(path)} 已损坏（{e}）") from None
        for name, data in parts:
            if re.match(r"word/(header|footer)\d*\.xml", name) and b"{" in data:
                raise TemplateError(f"模板 {shown(path)}：页眉页脚中的模板标记暂不支持，请把标记移到正文中")
        # the parts that do not change are deflated once, here
        self.parts = [(name, None if name == self.part_name else DeflatedPart(data)) for name, data in parts]

    def render_xml(self, context: dict) -> bytes:
        doc = self._doc
        dst = self.template.render(context)
        dst = _P_BACK.sub(r"<w:p\1", dst)
        dst = dst.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        if "\t" in dst or "\a" in dst or "\n" in dst or "\f" in dst:
            dst = doc.resolve_listing(dst)   # a no-op when none of these characters is present
        if self.direct:
            if not self._checked:       # the first document of a run is parsed, strictly, once
                try:
                    etree.fromstring(dst.encode("utf-8"))
                except etree.XMLSyntaxError as e:
                    raise TemplateError(f"模板 {self.path}：填写后的文书不是有效的 Word XML（第 {e.lineno} 行），"
                                        "是否用 safe 写出了尖括号？") from None
                self._checked = True
            return self.head + _BODY_NS.sub(b"<w:body>", dst.encode("utf-8"), 1) + self.tail
        tree = doc.fix_tables(dst)
        doc.docx_ids_index = 1000
        doc.fix_docpr_ids(tree)
        body = self.root.body
        self.root.replace(body, tree)
        try:
            return etree.tostring(self.root, encoding="UTF-8", standalone=True)
        finally:
            self.root.replace(tree, body)

    def save(self, context: dict, target) -> None:
        xml = self.render_xml(context)
        with zipfile.ZipFile(target, "w") as zout:
            for name, packed in self.parts:
                add_deflated(zout, name, packed or DeflatedPart(xml, 1))


_BODY_NS = re.compile(rb"<w:body[^>]*>")
_JINJA_OPEN = re.compile(r"{%-?\s*(?:for|if)\b")
_JINJA_CLOSE = re.compile(r"{%-?\s*end(?:for|if)\b")


def _tables_fixed(xml: str) -> bool:
    """Whether docxtpl's table fix-up is a no-op for every rendering of this (patched) template body:
    no column loops (`{%tc`), cell spans not templated, and in every table no row wider than the grid
    and some row outside every loop and condition exactly as wide (so repeating or dropping the
    looped rows never changes the grid)."""
    if re.search(r"{%-?\s*tc\b", xml) or re.search(r"<w:gridSpan[^>]*{", xml):
        return False
    try:
        tree = etree.fromstring(xml.encode("utf-8"))
    except etree.XMLSyntaxError:
        return False
    ns = "{" + tree.nsmap.get("w", "") + "}"

    def span(tr) -> int:
        n = 0
        for tc in tr.findall(ns + "tc"):
            g = tc.find(f"{ns}tcPr/{ns}gridSpan")
            n += int(g.get(ns + "val")) if g is not None else 1
        return n

    for t in tree.iter(ns + "tbl"):
        grid = t.find(ns + "tblGrid")
        width = len(grid.findall(ns + "gridCol")) if grid is not None else 0
        depth, static = 0, 0
        for child in t:
            if child.tag == ns + "tr":
                n = span(child)
                if n > width:
                    return False
                if depth == 0:
                    static = max(static, n)
            text = (child.tail or "")
            depth += len(_JINJA_OPEN.findall(text)) - len(_JINJA_CLOSE.findall(text))
        if (t.text or "").strip() or static != width:
            return False
    return True
