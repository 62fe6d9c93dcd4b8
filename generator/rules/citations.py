"""Citations shared by several rules, and the places where the seed documents disagree.

A conflict is decided by a default (the stricter reading, or the one the rule catalogue names),
stated on the rule's page with both places quoted, and switched by one line of huifang.toml.
"""
from __future__ import annotations

from generator.rules.registry import Conflict, S

# 《私募投资基金募集行为管理办法》: 第二十九条 sets the cooling-off (at least 24 hours), 第三十条 the
# callback after it by staff outside sales, void inside it. PF001 and PF002 judge that one duty.
PFM_CALLBACK = "第二十九条、第三十条"

NEW_ACCOUNT_WINDOW = Conflict(
    "新开户回访的时限",
    "huifang 默认一个月：规则目录按银河版细则第十七条取一个月。两份范本不一致，按一周执行的公司改一行配置即可。",
    ((S("001G", "第十七条"), "新开客户回访应在客户开立账户之日起一个月内完成"),
     (S("001Z", "三、2"), "对于新开户的客户应在一周内对该客户进行电话或电邮回访")),
    '[rules.NEW001] 中写 within = "7天"')

SMS_METHOD = Conflict(
    "短信算不算回访",
    "huifang 默认从严：短信只是通知，不算回访（客户拒绝回访后按其意愿发出的短信通知除外）。"
    "公司制度把短信列为回访方式的，改一行配置，短信登记的回访即可计入。",
    ((S("001Z", "二、5"), "短信回访：工作人员通过手机短信对客户进行的访问活动"),
     (S("001Z", "三、2"), "一般客户可以采用群发电邮或短信方式"),
     (S("002", "第三条(一)"),
      "对不愿意接受电话、拜访等回访方式的客户，应采用短信、公告等其他方式落实回访风险揭示、告知及提醒等业务")),
    '[rules.MTH006] 中写 sms = "method"')

EMAIL_PRINT = Conflict(
    "电子邮件回访缺打印件：警告还是错误",
    "huifang 默认为警告：规则目录（回访台账的约定）把它列为警告，因为邮件本身仍可检索；"
    "范本用的是“必须”，按错误处理的公司改一行配置。",
    ((S("001", "第七条"), "采用电子邮件回访形式，回访人员必须根据电子邮件内容，"
                          "如实填写回访记录表并打印电子邮件的内容作为此记录表的附件"),),
    '[rules.MTH004] 中写 severity = "error"')
