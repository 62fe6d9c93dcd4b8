"""The question banks of the callback types that carry a questionnaire.

Each question is a column of the 回访记录 sheet, headed by its short name, answered 是 / 否.
`expected` is the answer a clean callback gives; `required` says whether every callback of
the type must answer it (some items apply only to customers developed by sales staff).
The banks are rule configuration: `huifang.toml` may replace a type's bank under
``[questions."类型"]``.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    short: str          # the column header
    text: str           # the question as asked
    expected: str       # "是" or "否"
    required: bool = True
    source: str = ""
    when: str = ""      # "营销人员开发": required only when the customer's 开发人员 is a 营销人员


PF = "私募回访规定范本 附件三 客户回访记录表"
NEW = "经纪回访细则范本（银河版） 第十八条"
STOCK = "经纪回访细则范本（银河版） 第二十一条"
KEY = "经纪回访细则范本（银河版） 第二十九条"
IA = "投顾回访指引范本 第九条(一)1"
IA_KEEP = "投顾回访指引范本 第九条(一)2"
BY_SALES = "营销人员开发"

DEFAULT_BANKS: dict[str, tuple[Question, ...]] = {
    "私募产品回访": (
        Question("本人购买", "购买基金的全部行为是否由您本人进行？", "是", source=PF + " 问题1"),
        Question("亲笔签名", "基金合同上是否为您本人亲笔签名或盖章？", "是", source=PF + " 问题2"),
        Question("提示阅读合同", "销售人员是否提示您认真阅读并理解基金合同和风险揭示？", "是", source=PF + " 问题3"),
        Question("知悉风险", "您是否明确认识基金可能存在的各类风险并愿意承担？", "是", source=PF + " 问题4"),
        Question("了解费用披露", "您是否已详细了解基金的主要费用及信息披露的方式和频率？", "是", source=PF + " 问题5"),
        Question("承担损失准备", "您是否有承担可能发生的全部投资损失的心理准备？", "是", source=PF + " 问题6"),
        Question("知悉冷静期", "您是否知道投资冷静期内可要求全部返还投资款？", "是", source=PF + " 问题7"),
        Question("知悉纠纷解决", "您是否知道纠纷可通过协商、仲裁、诉讼方式解决？", "是", source=PF + " 问题8"),
    ),
    "新开户回访": (
        Question("亲自开户签约", "您是否亲自办理开户并签署相关协议？", "是", source=NEW + "(一)"),
        Question("本人设置密码", "账户初始密码是否由您本人设置？", "是", source=NEW + "(二)"),
        Question("违规代客操作", "营业部或从业人员是否有代您操作账户的情况？", "否", source=NEW + "(三)"),
        Question("全权委托", "您是否将账户全权委托他人操作？", "否", source=NEW + "(四)"),
        Question("已提示风险", "开户时工作人员是否向您提示了投资风险？", "是", source=NEW + "(五)"),
        Question("出示执业证书", "营销人员是否履行告知义务并出示执业证书？", "是", source=NEW + "(八)a", when=BY_SALES),
        Question("代理或代客理财", "您与营销人员之间是否存在代理关系或代客理财约定？", "否", source=NEW + "(八)b",
                 when=BY_SALES),
        Question("超越授权", "营销人员是否有超越公司授权范围的行为？", "否", source=NEW + "(八)c", when=BY_SALES),
    ),
    "存量回访": (
        Question("违规代客操作", "营业部或从业人员是否有代您操作账户的情况？", "否", source=STOCK + "(二)"),
        Question("全权委托", "您是否将账户全权委托他人操作？", "否", source=STOCK + "(三)"),
        Question("已提示风险", "工作人员是否向您提示过投资风险？", "是", source=STOCK + "(四)"),
    ),
    "重点客户回访": (
        Question("交易流水无异议", "您对历史交易流水是否没有异议？", "是", source=KEY + "(四)"),
        Question("营销人员任代理人", "为您开发的营销人员是否担任您的委托代理人？", "否", source=KEY + "(二)",
                 when=BY_SALES),
        Question("已提示风险", "办理特殊业务时工作人员是否向您提示了交易风险？", "是", required=False,
                 source=KEY + "(三)"),
    ),
    "投顾持续回访": (
        Question("建议有依据", "投资顾问提供投资建议时是否说明了依据（如研究报告的发布人、发布日期）？", "是",
                 source=IA_KEEP + "(1)"),
        Question("投顾风险揭示", "投资顾问是否主动、明确地向您揭示了风险？", "是", source=IA_KEEP + "(1)"),
        Question("投顾承诺收益", "投资顾问是否以任何方式向您承诺或保证投资收益？", "否", source=IA_KEEP + "(1)"),
        Question("投顾服务满意", "您对投资顾问提供的投资建议（及时、有实用价值）是否满意？", "是",
                 source=IA_KEEP + "(2)"),
    ),
    "投顾新签约回访": (
        Question("签约前风险测评", "签约前您是否接受了风险测评？", "是", source=IA + "(1)"),
        Question("签署风险揭示书", "签约前您是否签署了《风险揭示书》？", "是", source=IA + "(2)"),
        Question("协议真实合规", "《证券投资顾问服务协议》是否由您本人真实签订？", "是", source=IA + "(3)"),
        Question("投顾违规执业", "投资顾问是否有全权委托、代客操作、承诺收益或不实宣传等行为？", "否",
                 source=IA + "(4)"),
    ),
}


def question_columns(banks: dict[str, tuple[Question, ...]]) -> list[Question]:
    """All questions in bank order, each short name once."""
    seen: dict[str, Question] = {}
    for bank in banks.values():
        for q in bank:
            seen.setdefault(q.short, q)
    return list(seen.values())
