"""The admission planner on the IHTC-2024 problem (decisions D160–D164).

A pure package (no Django models): it reads the Integrated Healthcare Timetabling
Competition's instance JSON, plans admissions, rooms, theatres and nurses, and writes the
competition's solution JSON. `solver.solve_instance` is the one entry point the inpatient
services call; `evaluator.evaluate` scores any solution the way the official validator does.
"""
