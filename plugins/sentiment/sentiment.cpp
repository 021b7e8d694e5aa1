// The "sentiment" example service: monitoring. A tiny word-list sentiment classifier whose
// `classify` entrypoint is monitored (the host stores each call's arguments and result as
// `classify_request` and `classify_response`), whose `threshold` parameter is monitored (every
// value it takes is stored as `threshold`), and which stores values of its own with mvi::store
// (`words`, `score` and `label` of every classified text). Read them back with
//
//     curl 'http://127.0.0.1:8080/services/sentiment/~monitor?variables=score,label'
#include <mvi/service.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>

namespace sentiment {

/// The outcome of classifying one text.
struct Verdict {
    std::string label;
    double score = 0;
};
MVI_STRUCT(Verdict, label, score);

/// Words counted as positive or negative.
const std::set<std::string>& positiveWords() {
    static const std::set<std::string> words = {"good", "great", "excellent", "happy",
                                                "love", "nice",  "fine",      "wonderful"};
    return words;
}

const std::set<std::string>& negativeWords() {
    static const std::set<std::string> words = {"bad",  "awful", "terrible", "sad",
                                                "hate", "poor",  "broken",   "horrible"};
    return words;
}

}  // namespace sentiment

MVI_SERVICE(service) {
    using sentiment::Verdict;

    // Scores at or above the threshold are positive, at or below its negation negative.
    service.add_parameter("threshold", 0.2, /*exposed=*/true, /*monitor=*/true);

    service
        .entrypoint(
            "classify", {"text"},
            [&service](const std::string& text) {
                int words = 0;
                int balance = 0;
                std::string word;
                auto finish = [&] {
                    if (word.empty()) {
                        return;
                    }
                    ++words;
                    balance += sentiment::positiveWords().count(word) != 0 ? 1 : 0;
                    balance -= sentiment::negativeWords().count(word) != 0 ? 1 : 0;
                    word.clear();
                };
                for (char c : text) {
                    if (std::isalpha(static_cast<unsigned char>(c)) != 0) {
                        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                    } else {
                        finish();
                    }
                }
                finish();
                const double threshold = service.get_parameter<double>("threshold");
                Verdict verdict;
                verdict.score = words == 0 ? 0.0 : static_cast<double>(balance) / words;
                verdict.label = verdict.score >= threshold    ? "positive"
                                : verdict.score <= -threshold ? "negative"
                                                              : "neutral";
                try {
                    mvi::store(
                        {{"words", words}, {"score", verdict.score}, {"label", verdict.label}});
                } catch (const mvi::Error& error) {
                    // Monitoring is best effort: a full queue must not fail the answer.
                    mvi::log::warning("values not stored: {}", error.what());
                }
                return verdict;
            })
        .description("Classifies a text as positive, negative or neutral.")
        .monitor();
}
