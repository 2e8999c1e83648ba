"""What the server says in Simplified Chinese (``ui.locale`` applies it): sentences with values in them, chart
texts, table headers, hover words, the what-if categories, Inside the Transformer's notes and the HTML report's words.
The page's own static texts are in ``zh-CN.json`` (the browser translates those)."""
from __future__ import annotations

import re

# Sentences the server builds with values in them: (English pattern, Chinese with the same groups).
POSITIONS = {
    "learned absolute positions: a vector per position added to each token's embedding":
    "学习得到的绝对位置：每个位置一个向量，加到每个词元的嵌入上",
    "a learned bias per head for each bucket of relative distance, added to the scores":
    "每个头为每个相对距离分桶学习一个偏置，加到得分上",
    "relative positions with their own embeddings: content-to-position and position-to-content terms added to the "
    "scores": "带自身嵌入的相对位置：内容到位置与位置到内容两项加到得分上",
    "rotary position embeddings: queries and keys rotated by an angle that grows with the position":
    "旋转位置编码：查询和键按随位置增大的角度旋转",
}
WHAT = {**POSITIONS, "decoder (causal language model)": "解码器（因果语言模型）",
         "token": "词元", "position": "位置", "type": "类型", "typed": "输入的", "greedy": "贪心解码",
         "word": "词", "sentence": "句子", "paragraph": "段落",
         " or explain by sentence": "，或按句子解释", "text": "文本", "second text": "第二段文本", "prompt": "提示词",
         "labels": "标签", "continuation": "续写",
         "reason": "理由", "texts": "文本", "deleting": "删除", "masking": "遮盖", "masked": "遮盖后的",
         "padded": "填充后的", "first text": "第一段文本"}
SENTENCES: list[tuple[re.Pattern, str]] = [(re.compile(p), t) for p, t in (
    (r"^The (?P<what>[\w ]+) is empty: give at least one word\.$", "{what}为空：请至少输入一个词。"),
    (r"^The (?P<what>[\w ]+) is missing: give a non-empty string\.$", "缺少{what}：请输入非空的文本。"),
    (r"^The list of texts is empty: give at least one text\.$", "文本列表为空：请至少给出一段文本。"),
    (r"^(?P<n>[\d,]+) texts were given; the limit is (?P<limit>[\d,]+) per call\.$",
     "给出了 {n} 段文本；每次调用最多 {limit} 段。"),
    (r"^The reason (?P<phrase>.+) is not in the text as whole words\.$", "理由 {phrase} 不是文本中的完整词语。"),
    (r"^The reason (?P<phrase>.+) has no word in it \(a letter or a digit\)\.$", "理由 {phrase} 中没有词（字母或数字）。"),
    (r"^Something went wrong on the server; the error has been logged\.$", "服务器出错了；错误已记录。"),
    (r"^The model (?P<name>.+) is still loading; try again in a moment\.$", "模型 {name} 仍在加载，请稍后再试。"),
    (r"^The studio is busy: (?P<n>[\d,]+) explanations are waiting for their turn, the most it queues\. "
     r"Try again in about (?P<s>[\d,]+) s\.$", "工作室正忙：已有 {n} 个解释在排队，已达上限。请约 {s} 秒后再试。"),
    # a word-pair explanation's lines (explain.charts.pairs.strongest_lines and each pair method's note)
    (r"^Strongest matches: (?P<rest>.+)$", "最强的匹配：{rest}"),
    (r"^Pairs against the similarity: (?P<rest>.+)$", "不利于相似度的词对：{rest}"),
    (r"^Text (?P<side>[AB]) in all: (?P<rest>.+)$", "文本 {side} 各词的合计：{rest}"),
    (r"^Integrated Jacobians: the matrix adds up to cos\(a, b\) (?P<c>\S+) − cos\((?P<how>masked|padded) a, b\) "
     r"(?P<x>\S+) − cos\(a, (?P=how) b\) (?P<y>\S+) \+ cos\((?P=how) a, (?P=how) b\) (?P<z>\S+) = (?P<t>\S+), missed by "
     r"(?P<g>\S+) with (?P<n>\d+) steps\.$",
     "积分雅可比：矩阵之和应为 cos(a, b) {c} − cos({how} a, b) {x} − cos(a, {how} b) {y} + cos({how} a, {how} b) {z} = {t}，"
     "{n} 步积分与之相差 {g}。"),
    (r"^That is more than 1%: raise the steps or choose 'auto'\.$", "超过了 1%：请增加步数或选择“auto”。"),
    (r"^Pair occlusion \((?P<how>deleting|masking) words\): each value is how much less removing both words lowers the "
     r"similarity than removing each alone \(positive: the two count together, as a match\)\. Interactions are not "
     r"shares of the similarity \((?P<s>\S+)\): the matrix adds up to (?P<t>\S+)\.$",
     "词对遮挡（{how}词）：每个值表示同时移除两个词比分别移除它们少降低多少相似度（正值：两者共同起作用，即一对匹配）。"
     "交互作用不是相似度（{s}）的分摊：矩阵之和为 {t}。"),
    (r"^Word-pair explanations explain an embedding model's similarity; (?P<name>.+) is a (?P<kind>.+) model\.$",
     "词对解释针对嵌入模型的相似度；{name} 是{kind}模型。"),
    (r"^The (?P<what>[\w ]+) has no (?P<u>\w+) the model reads \(only characters its tokenizer drops\)\.$",
     "{what}中没有模型能读取的{u}（只有分词器会丢弃的字符）。"),
    (r"^Choose a CSV or JSON Lines file with a column for each text of a pair\.$",
     "请选择一个 CSV 或 JSON Lines 文件，每对文本各占一列。"),
    (r"^No pair of texts in the file could be explained; the first reason: (?P<why>.+)$",
     "文件中没有一对文本能被解释；第一个原因：{why}"),
    # the Entities tab and the token-classification task (model/tasks/token_classification.py)
    (r"^\*\*(?P<n>[\d,]+) entities\*\* \((?P<a>\w+) aggregation\)\. Click one in the text, or choose it below, to see why "
     r"the model found it\.$", "**{n} 个实体**（{a} 聚合）。在文本中点击一个，或在下方选择，即可查看模型为何找到它。"),
    (r"^The model finds no entity in this text \((?P<a>'?\w+'?) aggregation\)\.$", "模型在这段文本中没有找到实体（{a} 聚合）。"),
    (r"^The model finds no entity in this text \(aggregation (?P<a>'?\w+'?)\); explain one token's label with token=\.$",
     "模型在这段文本中没有找到实体（聚合方式 {a}）；可用 token= 解释单个词元的标签。"),
    (r"^\*\*(?P<c>[\d,]+)\*\* of (?P<n>[\d,]+) entities changed \((?P<b>[\d,]+) before the edit, (?P<a>[\d,]+) after\)\.$",
     "{n} 个实体中有 **{c}** 个发生变化（编辑前 {b} 个，编辑后 {a} 个）。"),
    (r"^kept$", "保留"), (r"^relabelled$", "改标"), (r"^gone$", "消失"), (r"^new$", "新增"),
    (r"^Find the entities first: the entity explained is one the model finds in this text\.$",
     "请先查找实体：要解释的是模型在这段文本中找到的实体。"),
    (r"^The model finds no entity in this text to explain\.$", "模型在这段文本中没有找到可解释的实体。"),
    (r"^Choose one of the text's entities to explain\.$", "请选择文本中的一个实体来解释。"),
    (r"^Edit the text first \(the edited text is the same as the text\)\.$", "请先编辑文本（编辑后的文本与原文本相同）。"),
    (r"^aggregation must be (?P<list>.+); got (?P<v>.+)\.$", "聚合方式 (aggregation) 必须是 {list}；收到的是 {v}。"),
    (r"^There is no entity (?P<k>\d+): the model finds (?P<n>\d+) in this text \((?P<r>.+)\)\.$",
     "没有第 {k} 个实体：模型在这段文本中找到 {n} 个（{r}）。"),
    (r"^The model finds no entity (?P<e>.+) in this text; it finds (?P<list>.+)\.$",
     "模型在这段文本中没有找到实体 {e}；它找到的是 {list}。"),
    (r"^The contrast (?P<c>.+) is neither an entity type \((?P<t>.+)\) nor one of the model's tags\.$",
     "对比项 {c} 既不是实体类型（{t}），也不是模型的标签之一。"),
    (r"^The entity is already tagged (?P<c>.+): explain it against another type\.$", "该实体已被标为 {c}：请与另一类型对比。"),
    (r"^Every entity is already tagged (?P<c>.+): explain them against another type\.$", "每个实体都已被标为 {c}：请与另一类型对比。"),
    (r"^The contrast must be an entity type \(e\.g\. 'ORG'\) or one of the model's tags\.$",
     "对比项必须是实体类型（如 'ORG'）或模型的标签之一。"),
    (r"^A token classifier explains its entities: it takes no candidate labels or second text\.$",
     "词元分类模型解释的是它的实体：不接受候选标签或第二段文本。"),
    (r"^(?P<n>[\d,]+) pairs of texts explained\.$", "解释了 {n} 对文本。"),
    (r"^(?P<n>[\d,]+) could not be explained: their reasons are in the table and the rows file\.$",
     "{n} 对无法解释：原因见表格和逐行文件。"),
    (r"^The run stopped at its (?P<s>\S+)-second limit; the rows done are shown\.$",
     "运行在 {s} 秒的上限处停止；已显示完成的行。"),
    # the notes beside the charts (explain.charts.explanation.notes and each method's own note)
    (r"^Faithfulness \(ERASER, removing or keeping only the top 1–50% of the words\): comprehensiveness (?P<c>\S+) "
     r"against (?P<cr>\S+) for a random ranking \(higher is better\); sufficiency (?P<s>\S+) against (?P<sr>\S+) "
     r"\(lower is better\)\.$",
     "忠实度（ERASER，删除或只保留得分最高的 1–50% 的词）：全面性 (comprehensiveness) {c}，随机排序为 {cr}（越高越好）；"
     "充分性 (sufficiency) {s}，随机排序为 {sr}（越低越好）。"),
    (r"^(?P<m>SHAP[^:]*): base \(every token hidden\) (?P<b>\S+); the contributions add up to (?P<s>\S+) "
     r"\(completeness gap (?P<g>\S+)\)\.$", "{m}：基线（遮盖全部词元）{b}；各贡献之和为 {s}（完备性差距 {g}）。"),
    (r"^(?P<m>SHAP[^:]*): base \(every token hidden\) (?P<b>\S+); the contributions add up to (?P<s>\S+)\.$",
     "{m}：基线（遮盖全部词元）{b}；各贡献之和为 {s}。"),
    (r"^(?P<m>.+)'s values should add up to the output minus the base, but they miss it by (?P<g>\S+) of that change "
     r"\(more than (?P<t>\S+)\): no base is drawn, and the values are not additive here\.$",
     "{m} 的值本应加总为输出减去基线，但与之相差该变化的 {g}（超过 {t}）：不绘制基线，这里的值不具可加性。"),
    (r"^LIME: the local linear surrogate fits with R² (?P<r>\S+) \(1 = exactly\)\.$",
     "LIME：局部线性代理模型的拟合 R² 为 {r}（1 = 完全拟合）。"),
    (r"^(?P<m>Integrated Gradients[^:]*): completeness gap (?P<g>\S+) of the output change from the baseline "
     r"\((?P<base>\S+) baseline, output (?P<o>\S+)\) with (?P<n>\d+) steps\.$",
     "{m}：完备性差距为相对基线输出变化的 {g}（{base} 基线，输出 {o}），共 {n} 步。"),
    (r"^Attention weights show what the model reads, not what caused its answer: they are the same for every label "
     r"and are not attributions\.$", "注意力权重显示模型读取了什么，而不是什么导致了它的回答：它们对每个标签都相同，并不是归因。"),
    (r"^Every layer and head: (?P<shape>[\d × ]+) weights, (?P<mb>\S+) MB as a NumPy file \(numpy\.load gives "
     r"attention and tokens\)\.$", "所有层和头：{shape} 个权重，NumPy 文件 {mb} MB（numpy.load 得到 attention 和 tokens）。"),
    (r"^Choose one of the listed models: (?P<names>.+)\.$", "请选择列出的模型之一：{names}。"),
    (r"^No (?P<kind>.+) is listed on this server: whoever starts it adds one with --model \./folder (?P<rest>.+)$",
     "此服务器上没有列出{kind}：启动者可用 --model ./folder 添加一个（用 save_pretrained 以 safetensors 保存的检查点），"
     "或在可访问 Hugging Face Hub 的地方启动。"),
    (r"^The text has (?P<n>[\d,]+) characters; this tab reads at most (?P<m>[\d,]+)\.$",
     "文本有 {n} 个字符；此标签页最多读取 {m} 个。"),
    (r"^The (?P<what>[\w ]+) must be a number\.$", "{what}必须是数字。"),
    (r"^(?P<n>[\d,]+) labels were given; the limit is (?P<m>[\d,]+)\.$", "给出了 {n} 个标签；上限为 {m} 个。"),
    (r"^(?P<n>[\d,]+) texts were given; the limit is (?P<m>[\d,]+)\.$", "给出了 {n} 段文本；上限为 {m} 段。"),
    (r"^Give at least (?P<n>\d+) texts, one per line\.$", "请至少给出 {n} 段文本，每行一段。"),
    (r"^The label (?P<l>.+) is given twice; labels must be distinct\.$", "标签 {l} 出现了两次；标签不能重复。"),
    (r"^A label has (?P<n>[\d,]+) characters; the limit is (?P<m>[\d,]+)\.$", "有一个标签长 {n} 个字符；上限为 {m}。"),
    (r"^The hypothesis template has (?P<n>[\d,]+) characters; the limit is (?P<m>[\d,]+)\.$",
     "假设模板有 {n} 个字符；上限为 {m}。"),
    (r"^The texts have (?P<n>[\d,]+) characters together; the limit is (?P<m>[\d,]+)\.$", "文本合计 {n} 个字符；上限为 {m}。"),
    (r"^The query token must be one of the text's (?P<n>\d+) tokens \(0 to (?P<m>\d+)\); press Show to list them\.$",
     "查询词元必须是文本的 {n} 个词元之一（0 到 {m}）；按“显示”列出它们。"),
    (r"^This text is read as (?P<n>\d+) windows: choose one from 0 to (?P<m>\d+), not (?P<i>.+)\.$",
     "这段文本按 {n} 个窗口读取：请从 0 到 {m} 中选择一个，而不是 {i}。"),
    (r"^The window must be a number from 0 to (?P<m>\d+), not (?P<v>.+)\.$", "窗口必须是 0 到 {m} 之间的数字，而不是 {v}。"),
    (r"^(?P<name>.+) must be a whole number from (?P<a>[\d,-]+) to (?P<b>[\d,]+); got (?P<v>.+)\.$",
     "{name} 必须是 {a} 到 {b} 之间的整数；收到的是 {v}。"),
    (r"^(?P<v>'.*') is not a word of the text; mark words from the list\.$", "{v} 不是文本中的词；请从列表中标记词。"),
    (r"^This run's files were cleared \(downloads are kept (?P<h>\d+) hours\): run it again\.?(?P<rest>.*)$",
     "这次运行的文件已被清理（下载文件保留 {h} 小时）：请重新运行。"),
    (r"^cosine similarity: (?P<v>\S+)$", "余弦相似度：{v}"),
    (r"^Why (?P<t>.+)\?$", "为什么是 {t}？"), (r"^written (?P<t>[\d: -]+)$", "写于 {t}"),
    (r"^(?P<n>\d+) found$", "找到 {n} 个"),
    (r"^No text with at most (?P<k>\d+) edits? from (?P<g>\S+) changed the answer\.$",
     "用 {g} 做至多 {k} 处编辑的文本都没有改变回答。"),
    (r"^(?P<t>[\d,]+) texts tried in (?P<c>\d+) model calls \((?P<s>\S+) s\); the original answer is "
     r"\*\*(?P<a>.+)\*\*, the target's change is in (?P<b>.+)'s score\.$",
     "尝试了 {t} 段文本，调用模型 {c} 次（{s} 秒）；原来的回答是 **{a}**，目标的变化以 {b} 的得分衡量。"),
    (r"^The search stopped after (?P<n>[\d,]+) texts; the smallest changes were tried first\.$",
     "搜索在尝试 {n} 段文本后停止；最小的改动最先尝试。"),
    (r"^\*\*(?P<e>[\d,]+) of (?P<t>[\d,]+) rows?\*\* explained with (?P<m>.+) on (?P<model>`[^`]+`)$",
     "用 {m} 在 {model} 上解释了 **{t} 行中的 {e} 行**"),
    (r"^accuracy \*\*(?P<a>\S+)\*\* on (?P<n>[\d,]+) labelled rows?$", "{n} 条已标注行上的准确率 **{a}**"),
    (r"^Cancelled after (?P<d>[\d,]+) rows? of (?P<t>[\d,]+): those finished are shown and in the downloads\.$",
     "在 {t} 行中完成 {d} 行后取消：已完成的行已显示并可下载。"),
    (r"^Stopped at the (?P<m>\d+)-minute limit: the (?P<d>[\d,]+) rows? finished are shown\.$",
     "达到 {m} 分钟上限后停止：已显示完成的 {d} 行。"),
    (r"^(?P<n>[\d,]+) rows? could not be explained \((?P<why>.+)\)\.$", "{n} 行无法解释（{why}）。"),
    (r"^(?P<n>[\d,]+) rows? (?:was|were) cut to the model's input length\.$", "{n} 行被截断为模型的输入长度。"),
    (r"^(?P<n>[\d,]+) rows? (?:was|were) longer than the model reads at once and read whole as overlapping windows "
     r"\(see them below, in the document view\)\.$", "{n} 行超出模型一次可读的长度，已按重叠窗口完整读取（见下方文档视图）。"),
    (r"^Faithfulness over (?P<n>[\d,]+) rows \(mean per row\): comprehensiveness (?P<c>\S+) against (?P<cr>\S+) for "
     r"a random ranking \(higher is better\); sufficiency (?P<s>\S+) against (?P<sr>\S+) \(lower is better\)\.$",
     "{n} 行上的忠实度（每行平均）：全面性 {c}，随机排序为 {cr}（越高越好）；充分性 {s}，随机排序为 {sr}（越低越好）。"),
    (r"^A model named (?P<n>'.+') was trained by someone else; choose another name\.$",
     "名为 {n} 的模型已由他人训练；请换一个名称。"),
    (r"^\*\*(?P<n>\S+)\*\* is trained \((?P<e>[\d,]+) examples of (?P<k>\d+) labels \(fewest: (?P<f>[\d,]+) of "
     r"(?P<l>.+)\); (?P<mode>head|finetune), (?P<se>\S+) s embedding \+ (?P<sh>\S+) s head(?P<ft> \+ \S+ s fine-tuning)?\)\.$",
     "**{n}** 已训练完成（{e} 个样本，{k} 个标签（最少的是 {l}：{f} 个）；{mode}，嵌入 {se} 秒 + 分类头 {sh} 秒{ft}）。"),
    (r"^It is now a model in every classification tab \(pick \*(?P<n>.+) \(trained here\)\*\) while the server runs; "
     r"download it to keep it \(unzip it; (?P<code>`[^`]+`) in that folder's parent loads it back\)\.$",
     "服务器运行期间，它是每个分类标签页中的一个模型（选择 *{n} (trained here)*）；下载即可保留"
     "（解压后，在该文件夹的上级目录中用 {code} 载入）。"),
    (r"^Accuracy held-out \((?P<n>[\d,]+) rows?\): \*\*(?P<a>\S+)\*\*\.$", "留出集（{n} 行）准确率：**{a}**。"),
    (r"^Accuracy (?P<k>\d+)-fold cross-validated: \*\*(?P<a>\S+)\*\*\.$", "{k} 折交叉验证准确率：**{a}**。"),
    (r"^To stay within memory, older trained models were let go: (?P<names>.+)\.$",
     "为控制内存，较早训练的模型已释放：{names}。"),
    (r"^\*\*(?P<n>[\d,]+) training rows\*\* scored for \*\*(?P<t>.+)\*\* in (?P<s>\S+) s \((?P<k>\d+) of the top "
     r"supporting shown first, then the opposing\)\.$",
     "为 **{t}** 给 **{n} 条训练行** 打分，用时 {s} 秒（先显示最支持的 {k} 行，再显示反对的）。"),
    (r"^Leave-one-out: the head refitted without each row by a Newton step with its own Hessian \(row's curvature "
     r"removed: Rad & Maleki's approximate leave-one-out\), the drop read exactly at the refitted head\.$",
     "留一法：去掉每一行后，用其自身的 Hessian（去掉该行的曲率：Rad 与 Maleki 的近似留一法）做一步牛顿法重新拟合分类头，"
     "并在重新拟合的分类头上精确读取下降量。"),
    (r"^Of its (?P<n>[\d,]+) rows, the (?P<k>\d+) with the largest first-order influence were refitted; the others keep "
     r"their first-order estimate\.$", "在其 {n} 行中，重新拟合了一阶影响最大的 {k} 行；其余行保留一阶估计。"),
    (r"^First-order: the size of the effect is understated on a weakly regularised head \(leave-one-out gives it\)\.$",
     "一阶近似：在弱正则化的分类头上会低估效应的大小（留一法给出真实大小）。"),
    (r"^Exact Hessian of the head's loss, solved in (?P<n>\d+) conjugate-gradient iterations\.$",
     "使用分类头损失的精确 Hessian，经 {n} 次共轭梯度迭代求解。"),
    (r"^The encoder was fine-tuned: the head is read on its final features, as if they were fixed\.$",
     "编码器经过微调：分类头按其最终特征读取，视这些特征为固定。"),
    (r"^The head's logits split exactly over the training rows \(representer points\)\.$",
     "分类头的 logit 精确分解到各训练行（代表点）。"),
    (r"^Cosine similarity in the encoder's feature space, signed by whether the row's label is the target\.$",
     "编码器特征空间中的余弦相似度，按该行标签是否为目标取正负号。"),
    (r"^TracIn over the epoch checkpoints, on the head: an approximation of retraining\.$",
     "在分类头上基于各轮检查点计算 TracIn：重新训练的一种近似。"),
    (r"^Without rows (?P<rows>.+): p\((?P<l>.+)\) went from (?P<a>\S+) to (?P<b>\S+); the prediction is "
     r"\*\*(?P<p>.+)\*\*\.$", "去掉行 {rows} 后：p({l}) 从 {a} 变为 {b}；预测为 **{p}**。"),
    (r"^\(The model itself is unchanged: retraining here only shows what the rows did\.\)$",
     "（模型本身不变：这里的重新训练只展示这些行的作用。）"),
    (r"(?s)^\*\*Continuation\*\* \((?P<n>\d+) tokens?, (?P<how>typed|greedy)\): (?P<text>.*)$",
     "**续写**（{n} 个词元，{how}）：{text}"),
    (r"(?s)^After the edited prompt the continuation's log-probability changes by \*\*(?P<d>\S+)\*\* \(×(?P<x>\S+) as "
     r"likely\)\. The model itself would write: (?P<text>.*)$",
     "在编辑后的提示词之后，续写的对数概率变化了 **{d}**（可能性为原来的 ×{x}）。模型自己会写出：{text}"),
    (r"^A removed prompt token becomes the pad token (?P<t>.+)\.$", "被删除的提示词词元替换为填充词元 {t}。"),
    (r"^A removed prompt token becomes the end-of-sequence token \(the tokenizer has no pad token\) (?P<t>.+)\.$",
     "被删除的提示词词元替换为序列结束词元 {t}（该分词器没有填充词元）。"),
    (r"^Coarse: (?P<m>[\d,]+) of the (?P<n>[\d,]+) evaluations needed for (?P<u>\w+)-level values were allowed, so "
     r"groups of \w+s share one value; raise max evaluations(?P<more> or explain by sentence)?\.$",
     "较粗：{u}级别的值需要 {n} 次评估，只允许了 {m} 次，因此成组的{u}共享同一个值；请提高最大评估次数{more}。"),
    (r"^The refined sentences needed (?P<n>[\d,]+) evaluations for word-level values and (?P<m>[\d,]+) were left after "
     r"the sentences, so groups of words share one value; raise the evaluations\.$",
     "细化的句子需要 {n} 次评估才能得到词级别的值，句子之后只剩 {m} 次，因此成组的词共享同一个值；请提高评估次数。"),
    (r"^\*\*This is the model's own computation\*\*: P equals the model's attention probabilities to (?P<p>\S+) and "
     r"A equals head (?P<h>\d+)'s slice of its attention output to (?P<a>\S+) \(largest absolute differences, within "
     r"what float32 rounding in the model allows: (?P<pb>\S+) and (?P<ab>\S+)\); (?P<steps>.+) equals the model's "
     r"embedding output to (?P<e>\S+)\.$",
     "**这就是模型自身的计算**：P 与模型的注意力概率相差不超过 {p}，A 与模型注意力输出中第 {h} 个头的切片相差不超过 {a}"
     "（最大绝对差，在模型 float32 舍入允许的范围内：{pb} 和 {ab}）；{steps} 与模型的嵌入输出相差不超过 {e}。"),
    (r"^Positions: (?P<d>[^.]+)\.(?P<notes>.*)$", "位置：{d}。{notes}"),
    (r"^`last_hidden_state` has shape (?P<s>`[^`]+`) \(batch, tokens, hidden\) for this text; the layer lens's last "
     r"point is the model's prediction\.$",
     "对这段文本，`last_hidden_state` 的形状为 {s}（批次, 词元, 隐藏维度）；层透镜的最后一点就是模型的预测。"),
    (r"^The text is longer than this model reads: it reads the first (?P<n>\d+) tokens \(special tokens included\), and "
     r"every chart here shows those\.$",
     "文本超出该模型可读取的长度：它只读取前 {n} 个词元（含特殊词元），这里的每张图都只显示这些。"),
    (r"^The text was cut to the model's (?P<n>\d+) tokens; the rest was not read\.$",
     "文本被截断为模型的 {n} 个词元；其余部分未被读取。"),
    (r"^Most of this text is unknown to the model: (?P<c>\d+) of its (?P<t>\d+) tokens \((?P<p>\d+%)\) read as the "
     r"unknown token, so the explanation says little about the text itself; a model that reads its language \(a "
     r"multilingual one\) would\.$",
     "这段文本的大部分对模型来说是未知的：{t} 个词元中有 {c} 个（{p}）被读作未知词元，因此该解释对文本本身说明甚少；"
     "请换用能读懂这种语言的模型（例如多语言模型）。"),
)]


# Chart titles, subtitles and axis titles: a title is read as parts separated by " · ", each part
# translated where it is one of these (or matches a pattern below); a part with none stays English.
CHART: dict[str, str] = {
    "Global word importance": "全局词语重要性", "Rows embedded": "各行的嵌入", "Cosine similarity": "余弦相似度",
    "The continuation, token by token": "逐词元的续写", "What if the prompt were different?": "如果提示词不同会怎样？",
    "Faithfulness, token by token": "逐词元的忠实度", "Sinusoidal position encoding": "正弦位置编码",
    "Learned position embeddings": "学习得到的位置嵌入", "Relative positions: buckets and a bias per head":
    "相对位置：分桶与每个头的偏置", "Disentangled relative positions (DeBERTa)": "解耦的相对位置 (DeBERTa)",
    "Rotary positions": "旋转位置编码", "Rotary positions and local windows (ModernBERT)": "旋转位置与局部窗口 (ModernBERT)",
    "Attention and feed-forward, layer by layer": "逐层的注意力与前馈", "Layer lens": "层透镜",
    "Faithfulness per bin (ERASER)": "各分箱的忠实度 (ERASER)", "Do the methods agree?": "各方法是否一致？",
    "Precision and recall per label": "各标签的精确率与召回率", "Attention rollout": "注意力展开 (rollout)",
    "all layers": "所有层", "Scores of every candidate label": "每个候选标签的得分", "by sentence": "按句子",
    "Sentences": "句子", "mean over heads": "各头平均", "each row sums to 1": "每行之和为 1",
    "hover a cell for the tokens": "悬停单元格查看词元", "hover for the text": "悬停查看文本",
    "probability": "概率", "continuation token": "续写词元", "token": "词元", "score": "得分",
    "scaled contribution": "缩放后的贡献", "retrained without the row": "去掉该行后重新训练", "predicted": "预测",
    "hidden dimension": "隐藏维度", "gold": "标准答案", "dimension": "维度", "contribution": "贡献",
    "continuation token (position:text, ␣ = space)": "续写词元（位置:文本，␣ = 空格）",
    "change in log-probability": "对数概率的变化", "attention": "注意力", "attends to": "关注的词元",
    "Confusion matrix": "混淆矩阵", "attention received": "收到的注意力", "output": "输出", "logit": "logit",
    "log-probability": "对数概率", "cosine similarity": "余弦相似度", "margin": "边际", "entropy": "熵",
    "softmax across the labels: they add up to 1": "标签间的 softmax：总和为 1",
    "1 = same direction; hover a cell for both texts": "1 = 方向相同；悬停单元格查看两段文本",
    "hover a point for its text": "悬停点查看其文本", "mean of heads": "各头平均",
    "from every position (mean pooling), which the model's output reads; special tokens left out":
    "来自每个位置（平均池化），即模型输出所读取的；不含特殊词元",
    "how much each token draws on each input token, through every layer and the residual stream":
    "每个词元经由所有层与残差流对每个输入词元的依赖程度",
    "mean contribution to the predicted class": "对预测类别的平均贡献", "choose a class →": "选择类别 →",
    "correct": "正确", "wrong": "错误", "random ranking": "随机排序",
    "each method scaled to its largest |value|; every word, strongest first": "各方法按其最大 |值| 缩放；列出每个词，最强的在前",
    "share of the words removed (left) or kept (right)": "删除（左）或保留（右）的词所占比例",
    "comprehensiveness ↑ (higher is better)": "全面性 ↑（越高越好）", "sufficiency ↓ (lower is better)": "充分性 ↓（越低越好）",
    "Kendall's tau of their word attributions (1 = the same ranking); hover for Spearman and top-k overlap":
    "两两方法词归因的 Kendall tau（1 = 排序相同）；悬停查看 Spearman 与前 k 个的重合度",
    "Agreement between the methods": "各方法之间的一致性", "rollout": "展开值", "share of<br>gold class": "占标准<br>类别的比例",
    "comprehensiveness ↑": "全面性 ↑", "sufficiency ↓": "充分性 ↓", "comprehensiveness: random ranking": "全面性：随机排序",
    "sufficiency: random ranking": "充分性：随机排序", "the prompt": "原提示词", "the edited prompt": "编辑后的提示词",
    "cross-entropy": "交叉熵", "accuracy": "准确率", "training loss": "训练损失", "held-out loss": "留出集损失",
    "held-out accuracy": "留出集准确率", "precision": "精确率", "recall": "召回率",
    "held-out rows": "留出行", "the weakest recall first": "召回率最低的在前",
    "estimated drop of log p if the row were removed and the model retrained (red: it supported the prediction, blue: "
    "it opposed it)": "若去掉该行并重新训练，log p 的估计下降（红：支持该预测，蓝：反对该预测）",
    "estimate = retraining": "估计值 = 重新训练", "a training row": "一条训练行", "influence": "影响函数",
    "leave_one_out": "留一法",
    "representer": "代表点", "tracin": "TracIn", "similarity": "相似度",
    "Why they are similar": "为什么它们相似", "Integrated Jacobians": "积分雅可比 (Integrated Jacobians)",
    "Pair occlusion": "词对遮挡", "text A": "文本 A", "text B": "文本 B", "A adds": "A 各词合计", "B adds": "B 各词合计",
    "pair": "词对", "Word pairs across the file": "整个文件中的词对", "total over the rows": "各行之和",
    "entity score": "实体得分", "log-score difference": "对数得分差",
}
CHART_PATTERNS: list[tuple[re.Pattern, str]] = [(re.compile(p), t) for p, t in (
    (r"^layer (?P<n>\d+)$", "第 {n} 层"), (r"^head (?P<n>\d+)$", "第 {n} 个头"),
    (r"^layer (?P<n>\d+), head (?P<h>\d+)$", "第 {n} 层，第 {h} 个头"),
    (r"^Attention received$", "收到的注意力"), (r"^Attention$", "注意力"),
    (r"^All heads of layer (?P<n>\d+)$", "第 {n} 层的所有头"), (r"^Words of sentence (?P<n>\d+)$", "第 {n} 句的词"),
    (r"^(?P<method>.+) per label$", "{method}：各标签"), (r"^Methods compared$", "方法比较"),
    (r"^Change in each label's (?P<output>.+)$", "各标签{output}的变化"),
    (r"^edit minus original \((?P<output>.+)\)$", "编辑后减原文（{output}）"),
    (r"^Embeddings$", "嵌入"), (r"^Q, K, V$", "Q、K、V"), (r"^Scores and attention weights$", "得分与注意力权重"),
    (r"^(?P<n>[\d,]+) rows$", "{n} 行"), (r"^top (?P<n>\d+)$", "前 {n} 个"),
    (r"^why (?P<a>.+) rather than (?P<b>.+)$", "为什么是 {a} 而不是 {b}"),
    (r"^probability (?P<v>\S+)$", "概率 {v}"), (r"^logit (?P<v>\S+)$", "logit {v}"),
    (r"^base (?P<v>\S+)$", "基线 {v}"), (r"^cosine similarity (?P<v>\S+)$", "余弦相似度 {v}"),
    (r"^the pairs add up to (?P<t>\S+), its change from both texts masked \(gap (?P<g>\S+)\)$",
     "各词对之和为 {t}，即相对两段文本都被遮盖时的变化（差距 {g}）"),
    (r"^the pairs add up to (?P<t>\S+)$", "各词对之和为 {t}"),
    (r"^(?P<n>[\d,]+) pairs of texts explained$", "解释了 {n} 对文本"),
    (r"^word pairs in at least (?P<n>\d+) rows?$", "至少出现在 {n} 行中的词对"),
    (r"^contribution to the (?P<output>.+)$", "对{output}的贡献"),
    (r"^contribution to each label's (?P<output>.+)$", "对各标签{output}的贡献"),
    (r"^one scale for every label$", "所有标签使用同一刻度"),
    (r"^one scale for every label \(largest \|value\| (?P<v>\S+)\)$", "所有标签使用同一刻度（最大 |值| {v}）"),
    (r"^score (?P<v>\S+)$", "得分 {v}"),
    (r"^entity score (?P<v>\S+)$", "实体得分 {v}"), (r"^log-score difference (?P<v>\S+)$", "对数得分差 {v}"),
    (r"^(?P<n>\d+) different texts span (?P<d>\d+) dimensions?: the other axes are 0$",
     "{n} 段不同的文本只张成 {d} 维：其余坐标轴为 0"),
    (r"^words seen at least (?P<n>\d+) times$", "至少出现 {n} 次的词"),
    (r"^top (?P<n>\d+) by mean \|value\|$", "按平均 |值| 取前 {n} 个"), (r"^all rows \((?P<n>[\d,]+)\)$", "所有行（{n}）"),
    (r"^predicted: (?P<l>.+) \((?P<n>[\d,]+)\)$", "预测：{l}（{n}）"),
    (r"^gold: (?P<l>.+) \((?P<n>[\d,]+)\)$", "标准答案：{l}（{n}）"),
    (r"^accuracy (?P<a>\S+) on (?P<n>[\d,]+) labelled rows?$", "{n} 条已标注行上的准确率 {a}"),
    (r"^(?P<m>.+) embeddings, (?P<p>PCA|UMAP) (?P<d>[23]-D)$", "{m} 的嵌入，{p} {d}"),
    (r"^change in the (?P<output>.+) when the top words are removed or kept alone; AOPC = the mean over the bins$",
     "删除或只保留排名靠前的词时{output}的变化；AOPC = 各分箱的平均"),
    (r"^the answer stays (?P<a>.+)$", "回答仍为 {a}"),
    (r"^Training rows for (?P<l>.+)$", "{l} 的训练行"),
    (r"^(?P<n>\d+) tokens; mean log-probability (?P<m>\S+) \(perplexity (?P<p>\S+)\); the model's probability of each "
     r"token given the prompt and the tokens before it$",
     "{n} 个词元；平均对数概率 {m}（困惑度 {p}）；给定提示词及其前面的词元时，模型对每个词元的概率"),
    (r"^the same (?P<n>\d+) continuation tokens, read after each prompt; the continuation's log-probability changes by "
     r"(?P<d>\S+) in all$", "同样的 {n} 个续写词元，分别在两个提示词之后读取；续写的对数概率共变化 {d}"),
    (r"^ERASER, per continuation token \((?P<o>.+)\): comprehensiveness beats the random ranking for (?P<b>\d+) of "
     r"(?P<n>\d+) tokens; the dashes mark the random ranking$",
     "ERASER，逐个续写词元（{o}）：{n} 个词元中有 {b} 个的全面性优于随机排序；短横线表示随机排序"),
    (r"^log-probability (?P<v>\S+)$", "对数概率 {v}"),
    # Inside the Transformer
    (r"^X$", "X"), (r"^the input of layer (?P<n>\d+)$", "第 {n} 层的输入"),
    (r"^shape (?P<t>\d+) tokens × (?P<h>\d+) hidden$", "形状 {t} 个词元 × {h} 个隐藏维度"),
    (r"^the embeddings for layer 1, else the previous layer's output$", "第 1 层为嵌入，其余层为上一层的输出"),
    (r"^each (?P<t>\d+) tokens × d_k = (?P<d>\d+): the head's slice of the layer's three projections(?P<more>.*)$",
     "各为 {t} 个词元 × d_k = {d}：该头在该层三个投影中所占的切片{more}"),
    (r"^(?P<n>\d+) dimensions of head (?P<h>\d+)$", "第 {h} 个头的 {n} 个维度"),
    (r"^each (?P<a>\d+) × (?P<b>\d+) \(rows: the query token, columns: the key token\)$",
     "各为 {a} × {b}（行：查询词元，列：键词元）"),
    (r"^P matches the model's own attention probabilities to (?P<v>\S+)$", "P 与模型自身的注意力概率相差不超过 {v}"),
    (r"^S = Q Kᵀ / √d_k \(\+ mask\)$", "S = Q Kᵀ / √d_k（+ 掩码）"), (r"^P = softmax\(S\), row by row$", "P = softmax(S)，逐行"),
    (r"^A = P V$", "A = P V"), (r"^head (?P<h>\d+)'s output$", "第 {h} 个头的输出"),
    (r"^(?P<t>\d+) tokens × d_k = (?P<d>\d+)$", "{t} 个词元 × d_k = {d}"),
    (r"^matches the head's slice of the model's attention output to (?P<v>\S+)$",
     "与模型注意力输出中该头的切片相差不超过 {v}"),
    (r"^Query (?P<q>.+) against every key$", "查询 {q} 与每个键"),
    (r"^token (?P<n>\d+) as the query$", "以第 {n} 个词元为查询"),
    (r"^hover a bar for S and its weight P(?P<more>.*)$", "悬停条形查看 S 及其权重 P{more}"),
    (r"^k, dimension by dimension$", "k，逐维度"), (r"^sum = S\[q, k\]$", "和 = S[q, k]"),
    (r"^(?P<n>\d+) positions × d_model (?P<d>\d+)$", "{n} 个位置 × d_model {d}"),
    (r"^PE\(pos, dimension\)$", "PE(位置, 维度)"), (r"^dot product$", "点积"),
    (r"^the model's own table, first (?P<n>\d+) of its positions × (?P<d>\d+)$", "模型自身的位置表，前 {n} 个位置 × {d}"),
    (r"^added to the token embeddings: X = LayerNorm\(token \+ position \(\+ type\)\)$",
     "加到词元嵌入上：X = LayerNorm(词元 + 位置 (+ 类型))"),
    (r"^cosine similarity between positions$", "位置之间的余弦相似度"), (r"^cosine$", "余弦"),
    (r"^positions (?P<a>\d+)–(?P<b>\d+) in 2-D \(PCA\)$", "位置 {a}–{b} 的二维投影 (PCA)"),
    (r"^norms per token \(hover for values\)$", "每个词元的范数（悬停查看数值）"),
    (r"^each layer adds its attention output, then its feed-forward output, to the stream \(with LayerNorm after "
     r"each\)$", "每层先把注意力输出、再把前馈输出加到残差流上（每次之后做 LayerNorm）"),
    (r"^‖residual stream‖ entering$", "‖进入的残差流‖"), (r"^‖attention output‖ added$", "‖加上的注意力输出‖"),
    (r"^‖feed-forward output‖ added$", "‖加上的前馈输出‖"), (r"^share of feed-forward units > 0$", "前馈单元 > 0 的比例"),
    (r"^Token similarity after the embeddings$", "嵌入之后的词元相似度"),
    (r"^Token similarity after layer (?P<n>\d+)$", "第 {n} 层之后的词元相似度"),
    (r"^cosine between the tokens' hidden states$", "词元隐藏状态之间的余弦"),
    (r"^last_hidden_state has shape (?P<s>.+)$", "last_hidden_state 的形状为 {s}"),
    (r"^the task's own head read after each layer$", "在每层之后读取任务自身的输出头"),
    (r"^the last point is the model's answer \((?P<a>.+)\)$", "最后一点是模型的回答（{a}）"),
    (r"^query token$", "查询词元"), (r"^key token$", "键词元"), (r"^position$", "位置"), (r"^layer$", "层"),
    (r"^accuracy (?P<a>\S+)$", "准确率 {a}"),
    (r"^Training (?P<n>.+)$", "训练 {n}"), (r"^epoch (?P<n>\d+)$", "第 {n} 轮"),
    (r"^training loss (?P<v>\S+)$", "训练损失 {v}"), (r"^held-out accuracy (?P<v>\S+)$", "留出集准确率 {v}"),
    (r"^epoch \(an L-BFGS step of up to (?P<n>\d+) iterations\)$", "轮次（每轮为至多 {n} 次迭代的一步 L-BFGS）"),
    (r"^(?P<n>[\d,]+) held-out rows?$", "{n} 条留出行"),
    (r"^drop of log p\((?P<l>.+)\)$", "log p({l}) 的下降"),
    (r"^retraining = (?P<k>\S+) × the estimate \(fitted slope\)$", "重新训练 = {k} × 估计值（拟合斜率）"),
    (r"^fitted: retraining = (?P<k>\S+) × estimate$", "拟合：重新训练 = {k} × 估计值"),
    (r"^(?P<m>.+)'s estimate$", "{m} 的估计值"),
    (r"^(?P<m>\w+) against retraining without each row$", "{m} 与逐行去除后重新训练的对比"),
    (r"^the answer changes: (?P<a>.+) → (?P<b>.+)$", "回答改变：{a} → {b}"),
)]


# Table headers (a Dataframe's columns, an Examples table's inputs): kept apart from ``ZH_CN``, whose keys the
# browser also applies to any choice shown (a user's CSV column "text" stays "text" in a column chooser).
HEADERS: dict[str, str] = {
    "row": "行", "text": "文本", "label": "标签", "score": "得分", "gold": "标准答案", "prediction": "预测",
    "correct": "正确", "confidence": "置信度", "top words": "最重要的词", "method": "方法", "#": "#",
    "counterfactual text": "反事实文本", "edits": "编辑", "new answer": "新的回答", "target's change": "目标的变化",
    "token": "词元", "p": "p", "comprehensiveness": "全面性", "sufficiency": "充分性",
    "comprehensiveness (random)": "全面性（随机）", "sufficiency (random)": "充分性（随机）",
    "comprehensiveness ↑": "全面性 ↑", "sufficiency ↓": "充分性 ↓", "rows with a rationale": "有理由标注的行",
    "rows scored": "评分的行数", "Text": "文本", "Text A": "文本 A", "Text B": "文本 B", "Prompt": "提示词",
    "Candidate labels (comma-separated, at most 20)": "候选标签（逗号分隔，最多 20 个）",
    "metric": "指标", "this explanation": "本解释", "random ranking": "随机排序",
    "token precision ↑": "词元精确率 ↑", "token recall ↑": "词元召回率 ↑", "token F1 ↑": "词元 F1 ↑",
    "normalised comprehensiveness ↑": "归一化全面性 ↑", "normalised sufficiency ↑": "归一化充分性 ↑",
    "log odds ↓": "对数几率 ↓", "loo tau ↑": "留一 tau ↑", "stability ↓": "稳定性 ↓",
    "text A": "文本 A", "text B": "文本 B", "similarity": "相似度", "strongest pair": "最强的词对", "value": "值",
    "error": "错误", "entity": "实体", "start": "起点", "end": "终点", "label before": "编辑前标签",
    "score before": "编辑前得分", "label after": "编辑后标签", "score after": "编辑后得分", "change": "变化",
}

# What an edit did to a word (the what-if view's marked texts).
CATEGORIES = {"removed": "删除", "added": "新增", "replaced": "替换"}

# Words inside a chart's hover text (a Plotly template: what is between %{…} is a value and is kept).
HOVER: list[tuple[re.Pattern, str]] = [(re.compile(p), t) for p, t in (
    (r"(?<![\w%{])characters(?= %\{)", "字符"), (r" attends to ", " 关注 "), (r" draws on ", " 依赖 "),
    (r"(?<![\w{])label(?= %\{)", "标签"), (r"(?<![\w{])score(?= %\{)", "得分"),
    (r"(?<![\w{])predicted(?= %\{)", "预测"), (r" after (?=%\{x\})", " 之后的 "),
    (r"(?<![\w{])random ranking(?= %\{)", "随机排序"), (r"(?<![\w{])precision(?= %\{)", "精确率"),
    (r"(?<![\w{])recall(?= %\{)", "召回率"), (r"(?<![\w{])distance(?= %\{)", "距离"),
    (r"(?<![\w{])bucket(?= %\{)", "分桶"), (r"(?<![\w{])bias(?= %\{)", "偏置"),
    (r"(?<![\w{])epoch(?= %\{)", "轮次"), (r"held-out accuracy", "留出集准确率"), (r"held-out loss", "留出集损失"),
    (r"(?<![\w{])layer(?= %\{)", "层"), (r"each token reads (%\{y\}) tokens", r"每个词元读取 \1 个词元"),
    (r"(?<![\w{])position(?= %\{)", "位置"), (r"dimension pair", "维度对"), (r"(?<![\w{])head(?= \d)", "头"),
    (r"(?<![\w{])random(?=<br>)", "随机"), (r"(?<![\w{])top(?= %\{)", "前"), (r" of the words<br>", " 个词<br>"),
    (r"(?<![\w{])row(?= %\{)", "行"), (r"(?<![\w{])column(?= %\{)", "列"), (r"(?<![\w{])query(?= %\{)", "查询"),
    (r"(?<![\w{])key(?= %\{)", "键"),
    (r"(?<![\w{|])mean(?= %\{)", "平均"), (r"mean \|value\|", "平均 |值|"), (r"seen (%\{[^}]+\}) times", r"出现 \1 次"),
    (r"(?<![\w{])gold(?= %\{)", "标准答案"), (r"(%\{text\}) rows \((%\{[^}]+\}) of this gold class\)", r"\1 行（占该标准类别的 \2）"),
    (r"\(scaled (%\{[^}]+\})\)", r"（缩放后 \1）"), (r"(?<![\w{])comprehensiveness(?= %\{)", "全面性"),
    (r"(?<![\w{])sufficiency(?= %\{)", "充分性"), (r"(?<![\w{])original(?= %\{)", "原文"),
    (r"(?<![\w{])edit(?= %\{)", "编辑后"), (r"(?<![\w{])change(?= %\{)", "变化"),
    (r"(?<=: )content(?= %\{)", "内容"), (r"^dot product(?= )", "点积"), (r"^cosine(?= )", "余弦"),
    (r"training loss(?= %\{)", "训练损失"), (r"comprehensiveness ↑", "全面性 ↑"), (r"sufficiency ↓", "充分性 ↓"),
    (r"change in log p \(edited − original\)", "log p 的变化（编辑后 − 原文）"),
    (r"<extra>the prompt</extra>", "<extra>原提示词</extra>"),
    (r"<extra>the edited prompt</extra>", "<extra>编辑后的提示词</extra>"), (r"(?<![\w{])estimate(?= %\{)", "估计值"),
    (r"(?<![\w{])retrained(?= %\{)", "重新训练"),
    (r"(?<![\w{])pair(?=: %\{)", "词对"), (r"(?<![\w{])rows(?= %\{)", "行数"),
    (r"(?<![\w{])total(?= %\{)", "合计"), (r"its column adds", "其列合计"), (r"its row adds", "其行合计"),
)]


# What Inside the Transformer says about an architecture's attention (after its positions, "; " between).
ATTENTION_NOTES: list[tuple[re.Pattern, str]] = [(re.compile(p), t) for p, t in (
    (r"^ModernBERT rotates Q and K by their positions \(rotary, θ = (?P<t>\S+)\) before Q Kᵀ$",
     "ModernBERT 在计算 Q Kᵀ 之前按位置旋转 Q 和 K（旋转编码，θ = {t}）"),
    (r"^a local layer: each token reads only the tokens within (?P<w>\d+) positions$", "局部层：每个词元只读取 {w} 个位置以内的词元"),
    (r"^a global layer: each token reads every token$", "全局层：每个词元读取所有词元"),
    (r"^Q and K are rotated by their positions \(rotary\) before Q Kᵀ$", "在计算 Q Kᵀ 之前按位置旋转 Q 和 K（旋转编码）"),
    (r"^a decoder: each token reads only itself and the tokens before it \(the causal mask\)$",
     "解码器：每个词元只读取自身及其之前的词元（因果掩码）"),
    (r"^a sliding window: each token reads at most the (?P<w>\d+) tokens up to itself$",
     "滑动窗口：每个词元至多读取截至自身的 {w} 个词元"),
    (r"^grouped-query attention: heads (?P<a>\d+) to (?P<b>\d+) share one key and value head \((?P<k>\d+) key/value heads "
     r"for (?P<q>\d+) query heads\)$", "分组查询注意力：第 {a} 到第 {b} 个头共享一个键值头（{q} 个查询头对应 {k} 个键值头）"),
    (r"^MPNet adds a learned bias for each bucket of relative distance$", "MPNet 为每个相对距离分桶加上一个学习得到的偏置"),
    (r"^ALBERT: every layer runs the same shared weights$", "ALBERT：每层使用同一组共享权重"),
)]


# The HTML report's own words (its headings, and the names of its parameters and measures).
REPORT: dict[str, str] = {
    "The text": "文本", "Parameters": "参数", "Scorecard (ERASER faithfulness and more)": "评分卡（ERASER 忠实度等）",
    "Scorecard: the methods compared": "评分卡：各方法比较", "The explanation's JSON": "解释的 JSON",
    "embedded in this file as": "以如下形式嵌入本文件", "Transformer explainability studio": "Transformer 可解释性工作室",
    "every chart is interactive (hover for exact values) and works offline": "每张图表都可交互（悬停查看精确数值），且可离线使用",
    "model": "模型", "task": "任务", "method": "方法", "explained": "解释对象", "explained output": "解释的输出",
    "model output": "模型输出", "parameters": "参数", "options": "选项", "seed": "随机种子", "model evaluations": "模型评估次数",
    "seconds": "秒", "device": "设备", "second text": "第二段文本", "rather than": "而不是", "versions": "版本",
    "metric": "指标", "this explanation": "本解释", "random ranking": "随机排序", "comprehensiveness": "全面性",
    "sufficiency": "充分性", "normalised_comprehensiveness": "归一化全面性", "normalised_sufficiency": "归一化充分性",
    "log_odds": "对数几率", "loo_tau": "留一 tau", "stability": "稳定性", "token_f1": "词元 F1", "iou_f1": "IOU-F1",
    "auprc": "AUPRC", "token_precision": "词元精确率", "token_recall": "词元召回率",
    "Why are they similar?": "为什么它们相似？", "The texts": "两段文本", "granularity": "粒度",
    "cosine similarity": "余弦相似度", "the pairs add up to": "各词对之和", "expected sum": "应有之和",
}
