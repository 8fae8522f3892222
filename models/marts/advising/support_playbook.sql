{#- The support playbook in use (var playbook_path): supportive actions per feature column and direction. -#}

with playbook as (

    select * from {{ ref('stg_support_playbook') }}

)

select *, {{ run_id() }} as run_id from playbook
