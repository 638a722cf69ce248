"""The data dictionary (``README.md``) written into every dataset directory."""

from __future__ import annotations

from coursekit.synth.io import table_file
from coursekit.synth.schema import TABLES

# Chinese names of the realism targets (the targets themselves: synth/measure.py).
REALISM_ZH = {
    "one_order_share": "只有一笔已完成订单的客户占比",
    "top20_revenue_share": "前 20% 客户贡献的收入占比（真实零售日志 CDNOW 为 68%）",
    "median_gap_days": "客户相邻两次下单间隔天数中位数",
    "weekend_ratio": "周末日均订单数 / 工作日日均订单数",
    "churn_share": "期末已流失会员占比",
    "churn_auc_model": "近期活跃会员 6 个月内流失：逻辑回归 AUC",
    "churn_auc_gap": "模型 AUC 减去仅用最近一次消费（R）的 AUC",
    "digital_share_rise": "APP + 小程序订单占比：末季度减首季度",
    "life_event_share": "有人生事件记录的会员占比",
    "first_child_baby_rise": "第一个孩子出生后母婴品类消费占比的提升",
    "commuter_breakfast_ratio": "通勤族工作日 10 点前早餐饮品占比 / 周末占比",
    "family_weekend_lines": "家庭客户周末每单商品行数 / 工作日",
    "store_opening_hour_ratio": "门店 7 点订单数 / 8 点订单数",
    "purchase_session_share": "以购买结束的会话占比",
    "cart_abandonment": "加购未下单的会话占加购会话的比例",
    "min_age_band_share": "25–64 岁各 10 岁年龄段中最小的会员占比",
    "max_age_band_persona_share": "各年龄段中单一画像的最大占比",
    "eta2_income_aov": "画像内部收入（或城市等级）对客单价的 η²",
    "tier1_online_lift": "画像内部一线城市与四线城市的线上占比之差",
    "demographic_rf_accuracy": "仅用人口统计特征预测画像的随机森林准确率",
    "persona_ari_all": "k-means（k=6）与真实画像的 ARI：全部购买会员",
    "persona_ari_3plus": "k-means（k=6）与真实画像的 ARI：购买 3 次及以上的会员",
    "campaign_mean_lift": "活动后 30 天消费的平均提升（全部活动合并）",
    "alpha_min": "态度量表 Cronbach's α 最低值",
    "alpha_max": "态度量表 Cronbach's α 最高值",
    "cross_loading_items": "交叉载荷在 .15–.35 之间的题目数",
    "straight_liner_share": "所有题目选同一答案的受访者占比",
    "missing_answer_share": "未作答的答案占比",
    "convenience_online_r": "便利导向量表与线上订单占比的相关系数 r",
}


def _realism_rows() -> list[str]:
    from coursekit.synth.measure import TARGETS

    rows = []
    for name, (lo, hi, en) in TARGETS.items():
        if lo is not None and hi is not None:
            span = f"{lo:g}–{hi:g}"
        elif lo is not None:
            span = f"at least {lo:g}"
        else:
            span = f"at most {hi:g}"
        rows.append(f"| {en} | {REALISM_ZH[name]} | {span} |")
    return rows


RAW = [
    ("pos_transactions.csv", "Store tills (POS), one row per line; GBK, Chinese headers, CRLF",
     "门店收银（POS）明细，每行一个商品；GBK 编码，中文表头"),
    ("online_orders.jsonl", "App and mini-program orders, one JSON object per line, nested "
     "items; `created_at` is epoch milliseconds (UTC)",
     "APP 与小程序订单，每行一个 JSON，商品嵌套；created_at 为 UTC 毫秒时间戳"),
    ("crm_members.xlsx", "CRM member list (sheet 会员列表)", "CRM 会员名单"),
    ("group_buy_chains.txt", "Community group-buy (接龙) chats exported as text",
     "社群接龙团购聊天记录导出"),
    ("survey_export.csv", "Questionnaire platform export, UTF-8 with BOM, text answers",
     "问卷平台导出，UTF-8（带 BOM），文字选项"),
    ("identity_key.csv", "Answer key: every raw identity and its customer_id",
     "答案表：每个原始身份标识对应的 customer_id"),
]  # fmt: skip

SPOILERS = [
    "POS: two date formats (the till software changed mid-way); walk-in receipts without a "
    "card; training receipts from the test store S0000 with real members' cards; returns as "
    "negative rows referencing 原小票号; a few quantities keyed in wrongly (数量 x 单价 ≠ 金额, "
    "the amount is right).",
    "Online: epoch milliseconds in UTC (local time is the world's timezone); some orders "
    "exported twice; test orders marked only by the remark 测试订单; phones in mixed formats.",
    "CRM: people registered twice (new member id and card, later date, phone typed "
    "differently: the earliest registration is the customer); exact duplicate rows; mixed "
    "phone and birth-date formats; 男/女/M/F; city names with and without 市.",
    "Group buy: free-text quantities (2份, x3, ×2, 两份, +1, 1个); (已取消) and (已退款) marks; a "
    "test group 【测试群】.",
    "Survey: text answers (agreement for q01-q20, importance for b01-b06); blank cells for "
    "skipped questions; repeat submissions (the last one counts); respondents who are not "
    "members; a few straight-liners who ticked the same box throughout.",
]


PARTITIONED = [
    "## Partitioned Parquet (分区 Parquet 数据)",
    "",
    "This world was written by `coursekit data generate --format parquet` for DuckDB and "
    "Spark: one folder per table, the tables with a time stamp split into one folder per "
    "month (Hive-style partitions, `month=YYYY-MM`), and every member table into files of "
    "100,000 members each (`part-NNNNN`). Order lines lie in the month folder of their "
    "order. Read a table as it is, e.g. in DuckDB "
    "`SELECT * FROM read_parquet('orders/*/*.parquet', hive_partitioning = true)` or in "
    "Spark `spark.read.parquet('orders')`; a filter on `month` reads only that month's "
    "files. Raw exports (module 01) are not part of such a world.",
    "",
    "本数据以 `--format parquet` 生成，供 DuckDB 与 Spark 使用：每张表一个文件夹，"
    "带时间戳的表按月分区（Hive 风格 `month=YYYY-MM`），会员相关的表每 10 万名会员一个文件；"
    "订单明细与其订单在同一月份分区。按 `month` 过滤时只读取对应月份的文件。"
    "此类数据不含模块 01 的原始导出文件。",
    "",
    "**Generated in blocks (分块生成).** Members are generated in blocks of 1,000, each block "
    "with its own random streams, and written a chunk of blocks at a time, so memory does "
    "not grow with the number of members and the files are the same whatever the chunk "
    "size. What ties members of different blocks together is taken from the whole world: "
    "stores, products, the campaign calendar and the competitor openings are drawn once "
    "for all blocks; a first pass over all blocks (a census) finds the cut of the members' "
    "exclusive day, which invites the top 20% of all members by recent orders, and the "
    "mean and spread of the traits that standardize the survey; member numbers, order ids, "
    "session ids and event ids run on from block to block, so each is unique in the world; "
    "phone numbers come from a keyed permutation of the member number, so no two members "
    "share one. Group-buy chains (接龙) exist only in the raw exports, which this format "
    "does not write.",
    "",
    "会员按每 1,000 人一块生成，每块有独立的随机数流；跨块关联的部分按全体会员计算：门店、商品、"
    "活动日历与竞争对手开店只生成一次；先对所有块做一次普查（census），得到会员专享日"
    "（全体会员中近期订单数前 20%）的门槛与问卷标准化所需的特质均值和标准差；会员编号、订单号、"
    "会话号与事件号跨块连续编号，全局唯一；手机号由会员编号经带密钥的置换得到，互不重复。"
    "社群接龙只存在于原始导出中，此格式不写出原始导出。",
    "",
]


# How generation in blocks keeps what ties members together right: part of a partitioned
# world's layout section, and told in every CSV world too (the one trainees read first).
BLOCKS = PARTITIONED[
    next(i for i, line in enumerate(PARTITIONED) if line.startswith("**Generated in blocks")) :
]
BIG_WORLDS = [
    "## Big worlds in blocks (大规模数据分块生成)",
    "",
    "`coursekit data generate --format parquet` writes big worlds (millions of members) for "
    "DuckDB and Spark (module 09) without holding them in memory; this is how it keeps the "
    "world the same as one generated at once.",
    "",
    "`coursekit data generate --format parquet` 可在不占用大量内存的情况下生成大规模数据"
    "（数百万会员，供模块 09 的 DuckDB 与 Spark 使用）；"
    "以下说明分块生成如何保证结果与一次生成相同。",
    "",
    *BLOCKS,
]


def _partitioned_file(name: str) -> str:
    from coursekit.synth.parquet import MONTHLY, table_dir

    if name in MONTHLY:
        return f"{table_dir(name)}/month=YYYY-MM/part-NNNNN.parquet"
    return f"{table_dir(name)}/part-NNNNN.parquet"


def data_dictionary(
    params: dict, rows: dict[str, int], *, format: str = "csv", partitioned: bool = False
) -> str:
    """Markdown data dictionary with English and Chinese descriptions.

    ``partitioned``: the world is Hive-partitioned Parquet (``coursekit.synth.stream``);
    the dictionary then shows that layout and how its blocks of members fit together.
    """
    ext = "csv" if format == "csv" else "parquet"
    p = params
    out = [
        "# Course data: a synthetic retail world (课程数据：合成零售数据)",
        "",
        "Generated by `coursekit` — do not edit by hand. Regenerate with:",
        "",
        "```bash",
        f"coursekit data generate --customers {p['n_customers']} --seed {p['seed']} "
        f"--locale {p['locale']} --out <dir>" + (f" --format {format}" if format != "csv" else ""),
        "coursekit data verify <dir>   # checks every file against MANIFEST",
        "```",
        "",
        f"Parameters: {p['n_customers']:,} customers, seed {p['seed']}, {p['start']} to "
        f"{p['end']}, locale {p['locale']}, local time zone {p['timezone']}. The same "
        "parameters always give byte-identical files.",
        "",
        "A regional fresh-grocery chain (鲜邻 / FreshNeighbor) sells in stores, on its app, "
        "on a WeChat mini-program (小程序) and through community group-buying (社群接龙). Every "
        "member was generated from one hidden persona (客户画像) whose parameters drive "
        "demographics, survey answers, purchase rhythm, basket, channel, churn and campaign "
        "response; the hidden tables in `truth/` hold that ground truth for instructors and "
        "checks (a world handed out to trainees comes without them). How the world works — "
        "personas, drift and churn, life events, shopping occasions, the campaign response "
        "model — is told in `docs/world.md` of the coursekit repository.",
        "",
        "## Tables (数据表)",
        "",
        "| table | rows | description | 说明 |",
        "|---|---:|---|---|",
    ]
    for name, table in TABLES.items():
        count = f"{rows[name]:,}" if name in rows else "not included"
        where = _partitioned_file(name) if partitioned else table_file(name, ext)
        out.append(f"| `{where}` | {count} | {table.en} | {table.zh} |")
    if partitioned:
        out += ["", *PARTITIONED]
    for name, table in TABLES.items():
        out += ["", f"### `{name}`", "", f"{table.en}  ", f"{table.zh}", ""]
        out += ["| column | type | description | 说明 |", "|---|---|---|---|"]
        for col in table.columns:
            out.append(f"| `{col.name}` | {col.kind} | {col.en} | {col.zh} |")
    if partitioned:
        out += ["", *_realism_section(), *_provenance()]
        return "\n".join(out)
    out += ["", "## Raw exports (原始导出数据, `raw/`)", ""]
    out += ["| file | description | 说明 |", "|---|---|---|"]
    out += [f"| `raw/{name}` | {en} | {zh} |" for name, en, zh in RAW]
    out += [
        "",
        "A correct integration of the raw exports rebuilds `customers`, `orders`, "
        "`order_items` and `survey` exactly (module 01).",
        "",
        "<details><summary>Known data problems (spoilers for module 01)</summary>",
        "",
        *[f"- {s}" for s in SPOILERS],
        "",
        "</details>",
        "",
        *BIG_WORLDS,
        *_realism_section(),
        *_provenance(),
    ]
    return "\n".join(out)


def _realism_section() -> list[str]:
    return [
        "## How realistic (真实性指标)",
        "",
        "Worlds of any seed are tested to stay within these ranges "
        "(`tests/synth/test_realism.py`; `benchmarks/world_report.py DIR` prints them for a "
        "world). Each is computed from the tables the way an analyst would:",
        "",
        "| measure | 指标 | range |",
        "|---|---|---|",
        *_realism_rows(),
        "",
    ]


def _provenance() -> list[str]:
    return [
        "## Provenance",
        "",
        "All names, phone numbers and transactions are synthetic. City tiers follow a common "
        "Chinese classification (1 first-tier … 4 third-tier and below). Spring Festival dates "
        "come from the package's own calendar table.",
        "",
    ]
