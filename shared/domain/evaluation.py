"""How the public evaluates the service: the applicant's rating of a dossier and feedback and recommendations
(phản ánh, kiến nghị — "petitions" in the code), the vocabulary every service shares.

- **Ratings** (Decree 61/2018 Art. 28–29, 31(1); Circular 01/2018 Art. 12–14): after the result is returned the
  applicant rates the dossier on the citizen criteria of Decree 61 Art. 31(1) — time against the appointment, the
  number of contacts and of bodies contacted, the published information, the staff's attitude, the lawfulness and
  cost of the result, the online service — plus an overall satisfied / not satisfied and a comment, on the web, on a
  paper form or on a rating device at the counter (Art. 29(1)). Circular 01 Art. 12(4) leaves the form's questions
  and answer scale to each ministry or province; the answers below are this system's, each mapped to the
  Circular 01 Art. 13 indicator it feeds (Art. 14(3): indicators 1, 3, 4 and 7 are captured this way).
- **Petitions** (phản ánh, kiến nghị, PAKN): anyone may send one about a procedure, a dossier or an officer's
  conduct; the agency concerned handles it within the deadlines of the Decision 766/QĐ-TTg specification
  (domain.md §6.2, indicator 5.2): refuse within 2 working days, ask for more within 5, answer within 15, publish
  within 2.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.calendar.model import TimeLimit, Unit

# -- ratings ------------------------------------------------------------------------------------------------

WEB, PAPER, DEVICE = "web", "paper", "device"
RATING_CHANNELS = {WEB: "Trực tuyến", PAPER: "Phiếu đánh giá tại Bộ phận Một cửa",
                   DEVICE: "Thiết bị đánh giá điện tử tại quầy"}  # Decree 61/2018 Art. 29(1)
COUNTER_CHANNELS = (PAPER, DEVICE)


@dataclass(frozen=True)
class Criterion:
    code: str
    question: str
    answers: tuple[tuple[str, str], ...]   # (code, Vietnamese label), the best first
    required: bool
    indicator: int | None                  # the Circular 01/2018 Art. 13 indicator it feeds, if any

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.answers)

    def label(self, answer: str | None) -> str:
        return dict(self.answers).get(answer or "", "")


CRITERIA: tuple[Criterion, ...] = (
    Criterion("time_vs_deadline", "Thời gian giải quyết hồ sơ so với ngày hẹn trả kết quả",
              (("early", "Sớm hơn ngày hẹn"), ("on_time", "Đúng ngày hẹn"), ("late", "Muộn hơn ngày hẹn")),
              True, 1),
    Criterion("contacts", "Số lần phải liên hệ với cơ quan để hoàn thiện hồ sơ (kể cả liên hệ trực tuyến)",
              (("none", "Không phải liên hệ thêm"), ("once", "Một lần"), ("more", "Nhiều hơn một lần")), True, 3),
    Criterion("contacts_own_fault", "Các lần phải liên hệ thêm là do tôi chưa chuẩn bị đủ giấy tờ",
              (("no", "Không"), ("yes", "Đúng vậy")), False, 3),
    Criterion("bodies_contacted", "Số cơ quan, đơn vị phải liên hệ để giải quyết hồ sơ",
              (("none", "Không phải đến cơ quan nào (nộp và nhận trực tuyến)"), ("desk_only", "Chỉ Bộ phận Một cửa"),
               ("several", "Nhiều hơn một cơ quan, đơn vị")), True, 4),
    Criterion("published_info", "Thông tin về thủ tục hành chính được công khai",
              (("accurate", "Đầy đủ, chính xác"), ("inaccurate", "Chưa đầy đủ hoặc chưa chính xác")), False, 6),
    Criterion("staff_attitude", "Thái độ của cán bộ, công chức khi hướng dẫn, tiếp nhận và giải quyết",
              (("good", "Lịch sự, tận tình"), ("normal", "Bình thường"), ("poor", "Không đúng mực, gây phiền hà")),
              True, 7),
    Criterion("result_lawful", "Kết quả giải quyết đúng quy định",
              (("yes", "Đúng quy định"), ("no", "Không đúng quy định")), False, None),
    Criterion("extra_costs", "Phải trả chi phí ngoài quy định",
              (("no", "Không"), ("yes", "Có")), False, None),
    Criterion("online_quality", "Chất lượng dịch vụ công trực tuyến",
              (("good", "Tốt"), ("fair", "Bình thường"), ("poor", "Chưa tốt"), ("not_used", "Không sử dụng")),
              False, None),
)
CRITERIA_BY_CODE = {c.code: c for c in CRITERIA}
SATISFIED_LABELS = {True: "Hài lòng", False: "Không hài lòng"}

# -- petitions (phản ánh, kiến nghị) -----------------------------------------------------------------------

PROCEDURE_SUBJECT, DOSSIER_SUBJECT, CONDUCT_SUBJECT = "procedure", "dossier", "conduct"
SUBJECTS = {
    PROCEDURE_SUBJECT: "Quy định, thủ tục hành chính",
    DOSSIER_SUBJECT: "Việc giải quyết một hồ sơ",
    CONDUCT_SUBJECT: "Hành vi, thái độ của cán bộ, công chức",
}
# Decision 766 indicator 5.1 counts petitions by category: administrative rules and procedures, or officials' conduct.
RULES_CATEGORY, CONDUCT_CATEGORY = "rules", "conduct"
CATEGORIES = {RULES_CATEGORY: "Quy định hành chính, thủ tục hành chính",
              CONDUCT_CATEGORY: "Hành vi hành chính của cán bộ, công chức"}


def category_of(subject: str) -> str:
    return CONDUCT_CATEGORY if subject == CONDUCT_SUBJECT else RULES_CATEGORY


# statuses
RECEIVED, IN_PROGRESS, INFO_REQUESTED, REFUSED, ANSWERED, PUBLISHED = (
    "received", "in_progress", "info_requested", "refused", "answered", "published")
PETITION_STATUSES = {
    RECEIVED: "Mới tiếp nhận", IN_PROGRESS: "Đang xử lý", INFO_REQUESTED: "Chờ bổ sung thông tin",
    REFUSED: "Từ chối xử lý", ANSWERED: "Đã trả lời", PUBLISHED: "Đã trả lời và công khai",
}
HANDLED = frozenset({REFUSED, ANSWERED, PUBLISHED})

# conclusions of an answer
UPHELD, PARTLY_UPHELD, NOT_UPHELD, EXPLAINED = "upheld", "partly_upheld", "not_upheld", "explained"
CONCLUSIONS = {
    UPHELD: "Phản ánh đúng", PARTLY_UPHELD: "Phản ánh đúng một phần", NOT_UPHELD: "Phản ánh không đúng",
    EXPLAINED: "Giải thích, hướng dẫn (kiến nghị)",
}
UPHELD_CONCLUSIONS = frozenset({UPHELD, PARTLY_UPHELD})

# Deadlines of the Decision 766 specification (domain.md §6.2, indicator 5.2), on the shared calendar.
DECIDE_LIMIT = TimeLimit(2, Unit.WORKING_DAYS)    # refuse (or take up) within 2 working days of receipt
INFO_LIMIT = TimeLimit(5, Unit.WORKING_DAYS)      # ask the sender for more within 5 working days of receipt
ANSWER_LIMIT = TimeLimit(15, Unit.WORKING_DAYS)   # answer within 15 working days (the wait for more not counted)
PUBLISH_LIMIT = TimeLimit(2, Unit.WORKING_DAYS)   # publish within 2 working days of the answer
STAGES = {"decide": "Quyết định tiếp nhận hoặc từ chối", "info": "Yêu cầu bổ sung thông tin",
          "answer": "Trả lời", "publish": "Công khai kết quả"}
