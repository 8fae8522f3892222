{#- The support playbook (var playbook_path): supportive actions per feature column and direction. -#}

with source as (

    select * from {{ source('inputs', 'support_playbook') }}

),

renamed as (

    select
        {{ normalized_text('source_column') }} as source_column,
        lower({{ normalized_text('direction') }}) as direction,
        {{ normalized_text('action') }} as action,
        {{ normalized_text('rationale') }} as rationale
    from source

)

-- A skeleton row (make profile writes one per column and direction) has no action until one is written.
select * from renamed
where action is not null
