// The post-loan part of the visit body, built from the form the same way webapp/postloan/visit_payload.py
// post_loan_from_form does; every rule stays on the server. visit-form.js asks for it when it builds the body
// of a post-loan visit, so the visit queued offline carries its loan, its check and the checklist: xw.postLoanVisit.
(function () {
  "use strict";
  var xw = window.xw;

  function text(data, name) { return String(data.get("post_loan_" + name) || "").trim(); }

  function yesNo(data, name) {
    var value = text(data, name);
    if (value === "yes") return true;
    if (value === "no") return false;
    return value === "" ? null : value;
  }

  function body(data) {
    if (!text(data, "loan_id")) return null;
    var residence = null;
    if (text(data, "residence_visited") || text(data, "residence_still_lives_there") || text(data, "residence_note")) {
      residence = { visited: yesNo(data, "residence_visited"), still_lives_there: yesNo(data, "residence_still_lives_there"),
                    note: text(data, "residence_note") };
    }
    var persons = [];
    for (var i = 0; i < 3; i++) {
      var row = {};
      ["relation", "name", "contact", "said"].forEach(function (key) { row[key] = text(data, "related_persons_" + i + "_" + key); });
      if (row.relation || row.name || row.contact || row.said) {
        persons.push({ relation: row.relation || null, name: row.name, contact: row.contact || null, said: row.said });
      }
    }
    var funds = null;
    if (text(data, "use_of_funds_spent_on") || text(data, "use_of_funds_matches_purpose")) {
      funds = { spent_on: text(data, "use_of_funds_spent_on"), matches_purpose: yesNo(data, "use_of_funds_matches_purpose"),
                note: text(data, "use_of_funds_note") };
    }
    return {
      loan_id: text(data, "loan_id"), check_id: text(data, "check_id") || null,
      inventory_vs_last: text(data, "inventory_vs_last") || null, residence: residence,
      related_persons: persons, use_of_funds: funds,
    };
  }

  xw.postLoanVisit = { body: body };
})();
