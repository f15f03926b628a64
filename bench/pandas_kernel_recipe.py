"""YARDSTICK, not product code: the pandas feature recipe of the best-known public Home Credit
kernel ("LightGBM with Simple Features", Aguiar, 2018), reproduced to time against
`scoring features` on the same files.

    .venv/bin/python bench/pandas_kernel_recipe.py --data FOLDER_OF_CSV [--out matrix.parquet]

Every aggregation is the kernel's: its one-hot encoding (`pd.get_dummies`, NaN as a category),
its per-table `groupby().agg()` dictionaries, its active/closed and approved/refused splits,
its per-row `apply(lambda)` for days past due, its joins onto the applicants. Only what pandas 3
no longer accepts is adapted, without changing a value: `DataFrame.append` becomes `pd.concat`;
`replace(..., inplace=True)` on a column (a no-op under copy-on-write) and the two
`drop(..., inplace=True)` become assignments; dummies are uint8 as in the pandas the kernel ran
on (pandas 3 makes them bool, on which `var` fails). It reads the CSV files, as the kernel
does, not a lake. It prints its wall time, CPU seconds (user + system, all threads), peak RSS
and load.
"""

from __future__ import annotations

import argparse
import gc
import os
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd


def one_hot_encoder(df: pd.DataFrame, nan_as_category: bool = True) -> tuple[pd.DataFrame, list]:
    original_columns = list(df.columns)
    categorical_columns = [
        col for col in df.columns if df[col].dtype == "object" or df[col].dtype == "str"
    ]
    df = pd.get_dummies(df, columns=categorical_columns, dummy_na=nan_as_category, dtype=np.uint8)
    new_columns = [c for c in df.columns if c not in original_columns]
    return df, new_columns


def application_train_test(folder: Path, nan_as_category: bool = False) -> pd.DataFrame:
    df = pd.read_csv(folder / "application_train.csv")
    test_df = pd.read_csv(folder / "application_test.csv")
    df = pd.concat([df, test_df]).reset_index()
    df = df[df["CODE_GENDER"] != "XNA"]
    for bin_feature in ["CODE_GENDER", "FLAG_OWN_CAR", "FLAG_OWN_REALTY"]:
        df[bin_feature], _ = pd.factorize(df[bin_feature])
    df, _ = one_hot_encoder(df, nan_as_category)
    df["DAYS_EMPLOYED"] = df["DAYS_EMPLOYED"].replace(365243, np.nan)
    df["DAYS_EMPLOYED_PERC"] = df["DAYS_EMPLOYED"] / df["DAYS_BIRTH"]
    df["INCOME_CREDIT_PERC"] = df["AMT_INCOME_TOTAL"] / df["AMT_CREDIT"]
    df["INCOME_PER_PERSON"] = df["AMT_INCOME_TOTAL"] / df["CNT_FAM_MEMBERS"]
    df["ANNUITY_INCOME_PERC"] = df["AMT_ANNUITY"] / df["AMT_INCOME_TOTAL"]
    df["PAYMENT_RATE"] = df["AMT_ANNUITY"] / df["AMT_CREDIT"]
    del test_df
    gc.collect()
    return df


def bureau_and_balance(folder: Path, nan_as_category: bool = True) -> pd.DataFrame:
    bureau = pd.read_csv(folder / "bureau.csv")
    bb = pd.read_csv(folder / "bureau_balance.csv")
    bb, bb_cat = one_hot_encoder(bb, nan_as_category)
    bureau, bureau_cat = one_hot_encoder(bureau, nan_as_category)
    bb_aggregations: dict[str, list[str]] = {"MONTHS_BALANCE": ["min", "max", "size"]}
    for col in bb_cat:
        bb_aggregations[col] = ["mean"]
    bb_agg = bb.groupby("SK_ID_BUREAU").agg(bb_aggregations)
    bb_agg.columns = pd.Index([e[0] + "_" + e[1].upper() for e in bb_agg.columns.tolist()])
    bureau = bureau.join(bb_agg, how="left", on="SK_ID_BUREAU")
    bureau = bureau.drop(["SK_ID_BUREAU"], axis=1)
    del bb, bb_agg
    gc.collect()
    num_aggregations = {
        "DAYS_CREDIT": ["min", "max", "mean", "var"],
        "DAYS_CREDIT_ENDDATE": ["min", "max", "mean"],
        "DAYS_CREDIT_UPDATE": ["mean"],
        "CREDIT_DAY_OVERDUE": ["max", "mean"],
        "AMT_CREDIT_MAX_OVERDUE": ["mean"],
        "AMT_CREDIT_SUM": ["max", "mean", "sum"],
        "AMT_CREDIT_SUM_DEBT": ["max", "mean", "sum"],
        "AMT_CREDIT_SUM_OVERDUE": ["mean"],
        "AMT_CREDIT_SUM_LIMIT": ["mean", "sum"],
        "AMT_ANNUITY": ["max", "mean"],
        "CNT_CREDIT_PROLONG": ["sum"],
        "MONTHS_BALANCE_MIN": ["min"],
        "MONTHS_BALANCE_MAX": ["max"],
        "MONTHS_BALANCE_SIZE": ["mean", "sum"],
    }
    cat_aggregations: dict[str, list[str]] = {}
    for cat in bureau_cat:
        cat_aggregations[cat] = ["mean"]
    for cat in bb_cat:
        cat_aggregations[cat + "_MEAN"] = ["mean"]
    bureau_agg = bureau.groupby("SK_ID_CURR").agg({**num_aggregations, **cat_aggregations})
    bureau_agg.columns = pd.Index(
        ["BURO_" + e[0] + "_" + e[1].upper() for e in bureau_agg.columns.tolist()]
    )
    active = bureau[bureau["CREDIT_ACTIVE_Active"] == 1]
    active_agg = active.groupby("SK_ID_CURR").agg(num_aggregations)
    active_agg.columns = pd.Index(
        ["ACTIVE_" + e[0] + "_" + e[1].upper() for e in active_agg.columns.tolist()]
    )
    bureau_agg = bureau_agg.join(active_agg, how="left", on="SK_ID_CURR")
    del active, active_agg
    gc.collect()
    closed = bureau[bureau["CREDIT_ACTIVE_Closed"] == 1]
    closed_agg = closed.groupby("SK_ID_CURR").agg(num_aggregations)
    closed_agg.columns = pd.Index(
        ["CLOSED_" + e[0] + "_" + e[1].upper() for e in closed_agg.columns.tolist()]
    )
    bureau_agg = bureau_agg.join(closed_agg, how="left", on="SK_ID_CURR")
    del closed, closed_agg, bureau
    gc.collect()
    return bureau_agg


def previous_applications(folder: Path) -> pd.DataFrame:
    prev = pd.read_csv(folder / "previous_application.csv")
    prev, cat_cols = one_hot_encoder(prev, nan_as_category=True)
    for column in (
        "DAYS_FIRST_DRAWING",
        "DAYS_FIRST_DUE",
        "DAYS_LAST_DUE_1ST_VERSION",
        "DAYS_LAST_DUE",
        "DAYS_TERMINATION",
    ):
        prev[column] = prev[column].replace(365243, np.nan)
    prev["APP_CREDIT_PERC"] = prev["AMT_APPLICATION"] / prev["AMT_CREDIT"]
    num_aggregations = {
        "AMT_ANNUITY": ["min", "max", "mean"],
        "AMT_APPLICATION": ["min", "max", "mean"],
        "AMT_CREDIT": ["min", "max", "mean"],
        "APP_CREDIT_PERC": ["min", "max", "mean", "var"],
        "AMT_DOWN_PAYMENT": ["min", "max", "mean"],
        "AMT_GOODS_PRICE": ["min", "max", "mean"],
        "HOUR_APPR_PROCESS_START": ["min", "max", "mean"],
        "RATE_DOWN_PAYMENT": ["min", "max", "mean"],
        "DAYS_DECISION": ["min", "max", "mean"],
        "CNT_PAYMENT": ["mean", "sum"],
    }
    cat_aggregations: dict[str, list[str]] = {}
    for cat in cat_cols:
        cat_aggregations[cat] = ["mean"]
    prev_agg = prev.groupby("SK_ID_CURR").agg({**num_aggregations, **cat_aggregations})
    prev_agg.columns = pd.Index(
        ["PREV_" + e[0] + "_" + e[1].upper() for e in prev_agg.columns.tolist()]
    )
    approved = prev[prev["NAME_CONTRACT_STATUS_Approved"] == 1]
    approved_agg = approved.groupby("SK_ID_CURR").agg(num_aggregations)
    approved_agg.columns = pd.Index(
        ["APPROVED_" + e[0] + "_" + e[1].upper() for e in approved_agg.columns.tolist()]
    )
    prev_agg = prev_agg.join(approved_agg, how="left", on="SK_ID_CURR")
    refused = prev[prev["NAME_CONTRACT_STATUS_Refused"] == 1]
    refused_agg = refused.groupby("SK_ID_CURR").agg(num_aggregations)
    refused_agg.columns = pd.Index(
        ["REFUSED_" + e[0] + "_" + e[1].upper() for e in refused_agg.columns.tolist()]
    )
    prev_agg = prev_agg.join(refused_agg, how="left", on="SK_ID_CURR")
    del refused, refused_agg, approved, approved_agg, prev
    gc.collect()
    return prev_agg


def pos_cash(folder: Path) -> pd.DataFrame:
    pos = pd.read_csv(folder / "POS_CASH_balance.csv")
    pos, cat_cols = one_hot_encoder(pos, nan_as_category=True)
    aggregations: dict[str, list[str]] = {
        "MONTHS_BALANCE": ["max", "mean", "size"],
        "SK_DPD": ["max", "mean"],
        "SK_DPD_DEF": ["max", "mean"],
    }
    for cat in cat_cols:
        aggregations[cat] = ["mean"]
    pos_agg = pos.groupby("SK_ID_CURR").agg(aggregations)
    pos_agg.columns = pd.Index(
        ["POS_" + e[0] + "_" + e[1].upper() for e in pos_agg.columns.tolist()]
    )
    pos_agg["POS_COUNT"] = pos.groupby("SK_ID_CURR").size()
    del pos
    gc.collect()
    return pos_agg


def installments_payments(folder: Path) -> pd.DataFrame:
    ins = pd.read_csv(folder / "installments_payments.csv")
    ins, cat_cols = one_hot_encoder(ins, nan_as_category=True)
    ins["PAYMENT_PERC"] = ins["AMT_PAYMENT"] / ins["AMT_INSTALMENT"]
    ins["PAYMENT_DIFF"] = ins["AMT_INSTALMENT"] - ins["AMT_PAYMENT"]
    ins["DPD"] = ins["DAYS_ENTRY_PAYMENT"] - ins["DAYS_INSTALMENT"]
    ins["DBD"] = ins["DAYS_INSTALMENT"] - ins["DAYS_ENTRY_PAYMENT"]
    ins["DPD"] = ins["DPD"].apply(lambda x: x if x > 0 else 0)
    ins["DBD"] = ins["DBD"].apply(lambda x: x if x > 0 else 0)
    aggregations: dict[str, list[str]] = {
        "NUM_INSTALMENT_VERSION": ["nunique"],
        "DPD": ["max", "mean", "sum"],
        "DBD": ["max", "mean", "sum"],
        "PAYMENT_PERC": ["max", "mean", "sum", "var"],
        "PAYMENT_DIFF": ["max", "mean", "sum", "var"],
        "AMT_INSTALMENT": ["max", "mean", "sum"],
        "AMT_PAYMENT": ["min", "max", "mean", "sum"],
        "DAYS_ENTRY_PAYMENT": ["max", "mean", "sum"],
    }
    for cat in cat_cols:
        aggregations[cat] = ["mean"]
    ins_agg = ins.groupby("SK_ID_CURR").agg(aggregations)
    ins_agg.columns = pd.Index(
        ["INSTAL_" + e[0] + "_" + e[1].upper() for e in ins_agg.columns.tolist()]
    )
    ins_agg["INSTAL_COUNT"] = ins.groupby("SK_ID_CURR").size()
    del ins
    gc.collect()
    return ins_agg


def credit_card_balance(folder: Path) -> pd.DataFrame:
    cc = pd.read_csv(folder / "credit_card_balance.csv")
    cc, _ = one_hot_encoder(cc, nan_as_category=True)
    cc = cc.drop(["SK_ID_PREV"], axis=1)
    cc_agg = cc.groupby("SK_ID_CURR").agg(["min", "max", "mean", "sum", "var"])
    cc_agg.columns = pd.Index(["CC_" + e[0] + "_" + e[1].upper() for e in cc_agg.columns.tolist()])
    cc_agg["CC_COUNT"] = cc.groupby("SK_ID_CURR").size()
    del cc
    gc.collect()
    return cc_agg


def recipe(folder: Path) -> pd.DataFrame:
    """The kernel's main(): every family joined onto the applicants, in its order."""
    df = application_train_test(folder)
    for family in (
        bureau_and_balance,
        previous_applications,
        pos_cash,
        installments_payments,
        credit_card_balance,
    ):
        df = df.join(family(folder), how="left", on="SK_ID_CURR")
        gc.collect()
    return df


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of the Kaggle CSV files")
    parser.add_argument("--out", type=Path, default=None, help="write the matrix (Parquet)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    matrix = recipe(args.data)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    if args.out is not None:
        matrix.columns = [str(c) for c in matrix.columns]
        matrix.to_parquet(args.out)
    print(f"pandas kernel recipe: {matrix.shape[0]:,} applicants x {matrix.shape[1]} columns")
    print(f"wall {seconds:.1f} s, CPU {usage.ru_utime + usage.ru_stime:.1f} s, peak RSS "
          f"{usage.ru_maxrss / 1024:,.0f} MB, load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
